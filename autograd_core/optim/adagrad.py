"""Adagrad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, blocks

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), as in PyTorch.

    For each step :math:`t` with gradient :math:`g_t` (negated when ``maximize``):

    .. math::

        \tilde\gamma &= \gamma / (1 + (t - 1)\eta) \\
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad (\lambda \ne 0) \\
        s_t &\leftarrow s_{t-1} + g_t^2, \qquad s_0 = \tau \\
        \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma\, g_t / (\sqrt{s_t} + \epsilon)

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-2).
    lr_decay : float
        Learning-rate decay :math:`\eta` (default 0).
    weight_decay : float
        L2 penalty :math:`\lambda` (default 0).
    initial_accumulator_value : float
        Starting value :math:`\tau` of the sum of squares (default 0).
    eps : float
        Added to the denominator (default 1e-10).
    maximize : bool
        Maximize the objective instead of minimizing it.

    State per parameter (created with the optimizer, like PyTorch): ``step`` and
    ``sum``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = self._fresh_state(p.data, group)

    @staticmethod
    def _fresh_state(param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "sum": np.full_like(param, group["initial_accumulator_value"])}

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            self._check_number(group, name)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:  # e.g. after load_state_dict of a state without this parameter
            state.update(self._fresh_state(param, group))
        state["step"] += 1
        maximize, wd, eps = group["maximize"], group["weight_decay"], group["eps"]
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        for p, g, s in blocks(param, grad, state["sum"]):
            if maximize:
                g = -g
            if wd != 0:
                g = g + wd * p
            s += g * g
            std = np.sqrt(s)
            std += eps
            p -= clr * (g / std)
