"""The optimizer base class: parameter groups, per-parameter state, state dicts.

An optimizer holds ``param_groups``, a list of dicts, each with a ``'params'`` list
and that group's options (``lr``, ``weight_decay``, ...); options missing from a
group take the optimizer's defaults. ``state`` maps each parameter to a dict of
its buffers (NumPy arrays of the parameter's shape and dtype, plus an integer
``'step'`` where the algorithm counts steps). Subclasses implement one method,
``_update``, that changes one parameter's data in place from its gradient; the
built-in ones run their elementwise arithmetic over :func:`blocks` of the parameter,
gradient and state arrays, so a multi-pass update finds its temporaries in cache.

Updates run on the NumPy arrays directly and never record a graph. Each update
bumps the parameter's version counter, so a graph that saved the old value and is
differentiated afterwards raises instead of giving a wrong gradient (like PyTorch).
"""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..grad_mode import enable_grad
from ..tensor import Tensor, bump_versions

__all__ = ["Optimizer", "blocks"]

# Bytes of one array in a block: several such slices (parameter, gradient, state,
# temporaries) together stay within a core's L2 cache.
BLOCK_BYTES = 1 << 18


def blocks(*arrays: np.ndarray | None) -> list[tuple[np.ndarray | None, ...]]:
    """Matching slices of same-shape arrays, one cache-sized block each.

    An update such as ``p -= lr * g`` is two passes over memory (the product, then
    the subtraction); run on a whole 1.6 MB weight, the second pass finds nothing
    of the first in cache. Run block by block, each block's temporaries are still in
    cache for the next pass, and the result is the same element for element. The
    slices are views, so writing to them writes the arrays; ``None`` entries stay
    ``None``. Small arrays, and arrays that are not all C-contiguous (where a flat
    view would be a copy) or not all of one shape, come back whole, as one block.
    """
    first = arrays[0]
    step = max(1, BLOCK_BYTES // first.itemsize)
    if first.size <= 2 * step or not all(
        a is None or (a.flags.c_contiguous and a.shape == first.shape) for a in arrays
    ):
        return [arrays]
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    return [
        tuple(None if a is None else a[start : start + step] for a in flat)
        for start in range(0, first.size, step)
    ]


class _Required:
    """Marks an option every parameter group must provide."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class of all optimizers.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or dicts that each define a parameter group:
        ``{'params': [...], 'lr': 0.1, ...}``; options a group leaves out take the
        values in ``defaults``.
    defaults : dict
        Default options of every group.

    Attributes
    ----------
    param_groups : list of dict
        The groups; change ``group['lr']`` to change a learning rate (what the
        schedulers in :mod:`autograd_core.optim.lr_scheduler` do).
    state : dict
        Per-parameter state, keyed by the parameter tensor.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{self._name}: params must be an iterable of Tensors or of dicts, got a single "
                f"Tensor of shape {params.shape}; wrap it in a list"
            )
        if isinstance(params, dict):
            params = [params]
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self) -> str:
        return type(self).__name__

    # ---- parameter groups ---------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. when unfreezing layers).

        Options the group leaves out take the optimizer's defaults. A parameter may
        belong to one group only.
        """
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{self._name}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{self._name}: a parameter group needs a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{self._name}: parameters must be given in an ordered collection (a list), not a set, "
                "so that state dicts index them reproducibly"
            )
        params = list(params)
        for i, p in enumerate(params):
            self._check_param(p, i)
        group["params"] = params

        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"{self._name}: parameter group didn't specify a value of required option {name!r}"
                )
            group.setdefault(name, default)
        self._check_options(group)

        seen: set[int] = set()
        for g in self.param_groups:
            seen.update(id(p) for p in g["params"])
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self._name}: a parameter group contains the same tensor more than once")
        if seen.intersection(ids):
            raise ValueError(f"{self._name}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_param(self, p: Any, index: int) -> None:
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{self._name}: can only optimize Tensors, but parameter {index} is a {type(p).__name__}"
            )
        if p.dtype.kind != "f":
            raise TypeError(
                f"{self._name}: can only optimize floating-point tensors, but parameter {index} "
                f"(shape {p.shape}) has dtype {p.dtype}"
            )
        if not p.is_leaf:
            raise ValueError(
                f"{self._name}: can't optimize a non-leaf Tensor (parameter {index}, shape {p.shape}, "
                f"made by '{p.grad_fn.name}'); optimize the leaf it was computed from"
            )

    def _check_options(self, group: dict[str, Any]) -> None:
        """Validate one group's options (subclasses extend this); raise ValueError."""
        self._check_number(group, "lr", low=0.0)

    def _check_number(
        self, group: dict[str, Any], name: str, low: float = 0.0, high: float | None = None
    ) -> None:
        value = group[name]
        if isinstance(value, Tensor) and value.size == 1:
            value = group[name] = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{self._name}: {name} must be a real number, got {type(value).__name__} {value!r}"
            )
        if not (value >= low and (high is None or value < high)):
            bound = f">= {low}" if high is None else f"in [{low}, {high})"
            raise ValueError(f"{self._name}: invalid {name} value {value!r}: must be {bound}")

    # ---- the update -------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters.

        With ``set_to_none=True`` (default) ``.grad`` becomes ``None``, which saves
        memory and lets ``step`` skip parameters that get no gradient; otherwise the
        existing gradient arrays are filled with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (run with grad enabled);
            its result is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        updated: list[Tensor] = []
        try:
            for group in self.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    grad = g.data if isinstance(g, Tensor) else np.asarray(g)
                    if grad.shape != p.data.shape:
                        raise ValueError(
                            f"{self._name}.step: gradient of shape {grad.shape} does not match its "
                            f"parameter of shape {p.data.shape}"
                        )
                    updated.append(p)  # (before the update: one that raises midway still counts)
                    self._update(p.data, grad, self.state[p], group)
        finally:
            bump_versions(updated)  # graphs that saved these values now raise if differentiated
        return loss

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Change ``param`` in place from ``grad`` (never modify ``grad``)."""
        raise NotImplementedError(f"{self._name}._update")

    # ---- state dicts --------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout.

        Returns ``{'state': {index: {...}}, 'param_groups': [{..., 'params':
        [index, ...]}]}`` where parameters are numbered in group order. Buffers are
        copies, so later steps do not change a saved state dict.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index and s:
                state[index[id(p)]] = {
                    k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict` (also PyTorch's layout).

        The groups must have the same sizes as this optimizer's. Buffers are copied
        and cast to each parameter's dtype; array-likes (e.g. other libraries'
        tensors) are accepted.
        """
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError(f"{self._name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{self._name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        id_map: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{self._name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameters in the state dict but {len(group['params'])} in the optimizer"
                )
            for k, p in zip(saved["params"], group["params"]):
                id_map[int(k)] = p

        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, s in state_dict["state"].items():
            k = int(k)
            if k not in id_map:
                raise ValueError(
                    f"{self._name}.load_state_dict: state for parameter {k}, which no group lists"
                )
            p = id_map[k]
            new_state[p] = {name: self._load_value(name, v, p) for name, v in s.items()}

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            g = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            g["params"] = group["params"]
            new_groups.append(g)
        self.param_groups = new_groups
        self.state = new_state

    def _load_value(self, name: str, value: Any, p: Tensor) -> Any:
        if name == "step":
            return int(float(np.asarray(value)))
        if isinstance(value, (numbers.Number, str)) or value is None:
            return value
        arr = np.array(value, dtype=p.dtype if np.asarray(value).dtype.kind == "f" else None)
        if arr.shape != p.shape:
            raise ValueError(
                f"{self._name}.load_state_dict: state {name!r} has shape {arr.shape} but its parameter "
                f"has shape {p.shape}"
            )
        return arr

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
