"""Finite-difference checks of gradients (first and second order), in float64.

``gradcheck`` compares the analytic vector-Jacobian product vᵀJ (one backward
pass with a random upstream ``v``) with central differences
(vᵀ f(x + εe_j) - vᵀ f(x - εe_j)) / 2ε for every input element j, and raises
:class:`GradcheckError` naming the worst element when they disagree. With
``check_forward_ad=True`` it also compares every Jacobian column J·e_j from forward
mode (:func:`autograd_core.jvp` machinery) with (f(x + εe_j) - f(x - εe_j)) / 2ε.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine import execute
from ..errors import GraphError
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor, _make


class GradcheckError(GraphError):
    """Analytic and numerical gradients disagree."""


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def vjp_of(
    outputs: Sequence[Tensor], upstream: Sequence[np.ndarray], inputs: Sequence[Tensor], create_graph: bool
):
    """Gradients of Σ <outputs_k, upstream_k> w.r.t. ``inputs`` (zeros where unused)."""
    roots, seeds = [], []
    leaf_seed: dict[int, Any] = {}
    for out, v in zip(outputs, upstream):
        if not isinstance(out, Tensor) or not out._rg:
            continue
        seed = _make(v) if create_graph else v
        if out._grad_fn is None:
            leaf_seed[id(out)] = seed if id(out) not in leaf_seed else leaf_seed[id(out)] + seed
        else:
            roots.append(out._grad_fn)
            seeds.append(seed)
    grads: list = [None] * len(inputs)
    if roots:
        grads = execute(
            roots, seeds, retain_graph=create_graph, create_graph=create_graph, inputs=list(inputs)
        )
    result = []
    for _i, (x, g) in enumerate(zip(inputs, grads)):
        extra = leaf_seed.get(id(x))
        if extra is not None:
            g = extra if g is None else g + extra
        if g is None:
            g = _make(np.zeros_like(x.data)) if create_graph else np.zeros_like(x.data)
        result.append(g)
    return result


def _check_inputs(inputs: Sequence[Any], where: str) -> list[Tensor]:
    tensors = []
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            x = _make(np.asarray(x, dtype=np.float64))
        if x.dtype != np.float64:
            raise TypeError(f"{where}: input {i} has dtype {x.dtype}; finite differences need float64 inputs")
        tensors.append(x)
    return tensors


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
    check_forward_ad: bool = False,
) -> bool:
    """Check ``f``'s gradients w.r.t. every input that requires grad.

    Parameters
    ----------
    f : callable
        Takes the inputs as Tensors and returns a Tensor or a tuple of Tensors.
    inputs : sequence of float64 Tensors (those with ``requires_grad`` are checked).
    eps, atol, rtol : step and tolerances; element j passes when
        ``|analytic - numeric| <= atol + rtol * |numeric|``.
    check_forward_ad : also check forward mode: each column J·e_j of every output,
        pushed through the ops' jvp rules, against central differences.

    Returns True, or raises :class:`GradcheckError` (a ``RuntimeError``) naming the
    output/input pair, the worst element and both values.
    """
    tensors = _check_inputs(inputs, "gradcheck")
    rng = np.random.default_rng(seed)
    with enable_grad():
        outputs = _as_tuple(f(*tensors))
    upstream = [rng.standard_normal(np.shape(o.data)) for o in outputs]
    wrt = [i for i, x in enumerate(tensors) if x._rg]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    with enable_grad():
        analytic = vjp_of(outputs, upstream, [tensors[i] for i in wrt], create_graph=False)

    def scalar(ts: list[Tensor]) -> float:
        with no_grad():
            outs = _as_tuple(f(*ts))
        return float(sum(np.sum(np.asarray(o.data, dtype=np.float64) * v) for o, v in zip(outs, upstream)))

    for k, i in enumerate(wrt):
        x = tensors[i]
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: we perturb in place and restore
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = scalar(tensors)
            flat[j] = orig - eps
            minus = scalar(tensors)
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        got = np.asarray(analytic[k], dtype=np.float64).reshape(x.shape)
        err = np.abs(got - numeric) - (atol + rtol * np.abs(numeric))
        bad = ~(err <= 0)  # also catches NaN
        if bad.any():
            worst = np.unravel_index(int(np.nanargmax(np.where(np.isnan(err), np.inf, err))), x.shape)
            msg = (
                f"gradcheck: gradient of input {i} (shape {x.shape}) disagrees with finite "
                f"differences at {len(np.flatnonzero(bad))} of {x.size} elements; worst at index "
                f"{tuple(int(w) for w in worst)}: analytic {got[worst]:.8g}, numerical "
                f"{numeric[worst]:.8g} (atol={atol}, rtol={rtol}, eps={eps})"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    if check_forward_ad:
        return _check_forward_ad(f, tensors, wrt, eps, atol, rtol, raise_exception)
    return True


def _check_forward_ad(f, tensors, wrt, eps, atol, rtol, raise_exception) -> bool:
    """Compare forward-mode Jacobian columns with central differences, one input element at a time."""
    from ..func import _Linearized

    plain = [_make(x.data.copy()) for x in tensors]  # the recorded graph must not see the perturbations
    lin = _Linearized(f, tuple(plain), wrt, "gradcheck")
    for k, i in enumerate(wrt):
        x = tensors[i]
        flat = x.data.reshape(-1)
        for j in range(flat.size):
            e = np.zeros(x.shape)
            e.reshape(-1)[j] = 1
            tangents = [None] * len(wrt)
            tangents[k] = e
            columns = lin.push(tangents)
            orig = flat[j]
            flat[j] = orig + eps
            with no_grad():  # copy at once: f may return (a view of) its input
                plus = [np.array(o.data, np.float64) for o in _as_tuple(f(*tensors))]
            flat[j] = orig - eps
            with no_grad():
                minus = [np.array(o.data, np.float64) for o in _as_tuple(f(*tensors))]
            flat[j] = orig
            for o, (col, p, m) in enumerate(zip(columns, plus, minus)):
                numeric = (p - m) / (2 * eps)
                got = np.asarray(col.data if isinstance(col, Tensor) else col, dtype=np.float64)
                err = np.abs(got - numeric) - (atol + rtol * np.abs(numeric))
                bad = ~(err <= 0)
                if bad.any():
                    worst = np.unravel_index(
                        int(np.nanargmax(np.where(np.isnan(err), np.inf, err))), err.shape
                    )
                    w = tuple(int(v) for v in worst)
                    msg = (
                        f"gradcheck (forward mode): column {j} (index "
                        f"{tuple(int(v) for v in np.unravel_index(j, x.shape))}) of the Jacobian of "
                        f"output {o} w.r.t. input {i} disagrees with finite differences at "
                        f"{len(np.flatnonzero(bad))} of {err.size} elements; worst at output index {w}: "
                        f"jvp {got[worst]:.8g}, numerical {numeric[worst]:.8g} "
                        f"(atol={atol}, rtol={rtol}, eps={eps})"
                    )
                    if raise_exception:
                        raise GradcheckError(msg)
                    return False
    return True


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck the map x ↦ vᵀJ(x) built with ``create_graph``."""
    tensors = _check_inputs(inputs, "gradgradcheck")
    rng = np.random.default_rng(seed + 1)
    with enable_grad():
        outputs = _as_tuple(f(*tensors))
    upstream = [rng.standard_normal(np.shape(o.data)) for o in outputs]
    wrt = [i for i, x in enumerate(tensors) if x._rg]

    def first_grads(*ts):
        with enable_grad():
            outs = _as_tuple(f(*ts))
            return tuple(vjp_of(outs, upstream, [ts[i] for i in wrt], create_graph=True))

    return gradcheck(
        first_grads, tensors, eps=eps, atol=atol, rtol=rtol, seed=seed + 2, raise_exception=raise_exception
    )
