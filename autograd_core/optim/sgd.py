"""Stochastic gradient descent, optionally with (Nesterov) momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, blocks

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as in PyTorch.

    For each step :math:`t = 1, 2, \dots` with gradient :math:`g_t`
    (negated when ``maximize``):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad (\lambda \ne 0) \\
        b_t &\leftarrow \begin{cases} g_t & t = 1 \\
                \mu b_{t-1} + (1 - \tau) g_t & t > 1 \end{cases}
            \quad (\mu \ne 0) \\
        g_t &\leftarrow g_t + \mu b_t \ \text{(nesterov)} \quad\text{or}\quad g_t \leftarrow b_t \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma g_t

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-3).
    momentum : float
        Momentum factor :math:`\mu` (default 0).
    dampening : float
        Dampening :math:`\tau` of the momentum (default 0).
    weight_decay : float
        L2 penalty :math:`\lambda` (default 0).
    nesterov : bool
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    maximize : bool
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import autograd_core as ac
    >>> w = ac.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ac.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = ac.tensor([1.0, 1.0])
    >>> opt.step()
    >>> w
    tensor([ 0.9, -2.1], dtype=float32, requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        self._check_number(group, "momentum")
        self._check_number(group, "weight_decay")
        self._check_number(group, "dampening", low=float("-inf"))
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        if mu == 0 and wd == 0 and not group["maximize"]:  # plain SGD
            for p, g in blocks(param, grad):
                p -= lr * g
            return
        maximize, nesterov, keep = group["maximize"], group["nesterov"], 1 - group["dampening"]
        momentum = state.get("momentum_buffer") if mu != 0 else None
        first = mu != 0 and momentum is None
        if first:
            momentum = state["momentum_buffer"] = np.empty_like(param)
        for p, g, buf in blocks(param, grad, momentum):
            d_p = -g if maximize else g
            if wd != 0:
                d_p = d_p + wd * p
            if buf is not None:
                if first:
                    buf[...] = d_p
                else:
                    buf *= mu
                    buf += keep * d_p
                d_p = d_p + mu * buf if nesterov else buf
            p -= lr * d_p
