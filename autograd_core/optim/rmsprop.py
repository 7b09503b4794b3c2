"""RMSprop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, blocks

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e; centered form from Graves, 2013), as in PyTorch.

    For each step with gradient :math:`g_t` (negated when ``maximize``):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad (\lambda \ne 0) \\
        v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2, \qquad \tilde v_t = v_t \\
        \bar g_t &\leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t,
            \qquad \tilde v_t \leftarrow v_t - \bar g_t^2 \quad \text{(centered)} \\
        b_t &\leftarrow \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon),
            \qquad \theta_t \leftarrow \theta_{t-1} - \gamma b_t \quad (\mu > 0) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon)
            \quad \text{otherwise}

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-2).
    alpha : float
        Smoothing constant :math:`\alpha` (default 0.99).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        L2 penalty :math:`\lambda` (default 0).
    momentum : float
        Momentum factor :math:`\mu` (default 0).
    centered : bool
        Normalise by an estimate of the gradient's variance instead of its second moment.
    maximize : bool
        Maximize the objective instead of minimizing it.

    State per parameter: ``step``, ``square_avg``, and ``momentum_buffer`` /
    ``grad_avg`` when momentum / centered are used.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        for name in ("alpha", "eps", "weight_decay", "momentum"):
            self._check_number(group, name)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mu = group["weight_decay"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
        state["step"] += 1
        maximize, centered = group["maximize"], group["centered"]
        if centered and "grad_avg" not in state:  # (also when switched on mid-training)
            state["grad_avg"] = np.zeros_like(param)
        if mu > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(param)
        for p, g, sq, ga, buf in blocks(
            param,
            grad,
            state["square_avg"],
            state["grad_avg"] if centered else None,
            state["momentum_buffer"] if mu > 0 else None,
        ):
            if maximize:
                g = -g
            if wd != 0:
                g = g + wd * p
            sq *= alpha
            sq += (1 - alpha) * (g * g)
            if ga is not None:
                ga *= alpha
                ga += (1 - alpha) * g
                avg = np.sqrt(sq - ga * ga)
            else:
                avg = np.sqrt(sq)
            avg += eps
            if buf is not None:
                buf *= mu
                buf += g / avg
                p -= lr * buf
            else:
                p -= lr * (g / avg)
