"""Adam and AdamW."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, blocks

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with optional AMSGrad, as in PyTorch.

    For each step :math:`t` with gradient :math:`g_t` (negated when ``maximize``):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad (\lambda \ne 0,\ \text{coupled}) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad
        \hat v_t = v_t / (1 - \beta_2^t)
            \quad\text{or, with amsgrad,}\quad
            v^{max}_t = \max(v^{max}_{t-1}, v_t),\ \hat v_t = v^{max}_t / (1 - \beta_2^t) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    With ``decoupled_weight_decay=True`` (what :class:`AdamW` sets) the penalty
    is not added to the gradient; instead :math:`\theta_{t-1} \leftarrow
    \theta_{t-1}(1 - \gamma\lambda)` before the step.

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-3).
    betas : (float, float)
        Decay rates :math:`(\beta_1, \beta_2)` of the moment estimates, each in [0, 1).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        :math:`\lambda` (default 0).
    amsgrad : bool
        Use the running maximum of :math:`v_t` (Reddi et al., 2018).
    maximize : bool
        Maximize the objective instead of minimizing it.
    decoupled_weight_decay : bool
        Decay the weights directly (AdamW) instead of adding an L2 gradient.

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`)
    and with amsgrad ``max_exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        self._check_number(group, "eps")
        self._check_number(group, "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{self._name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0.0 <= b < 1.0:
                raise ValueError(
                    f"{self._name}: invalid beta parameter at index {i}: {b!r} (must be in [0, 1))"
                )
        group["betas"] = tuple(betas)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
        state["step"] += 1
        t = state["step"]
        bias_correction1 = 1 - beta1**t
        bias_correction2_sqrt = math.sqrt(1 - beta2**t)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:  # amsgrad switched on mid-training
            state["max_exp_avg_sq"] = np.zeros_like(param)
        vmax = state["max_exp_avg_sq"] if group["amsgrad"] else None
        for p, g, m, v, vm in blocks(param, grad, state["exp_avg"], state["exp_avg_sq"], vmax):
            if maximize:
                g = -g
            if wd != 0:
                if decoupled:
                    p *= 1 - lr * wd
                else:
                    g = g + wd * p
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            if vm is not None:
                np.maximum(vm, v, out=vm)
                denom = np.sqrt(vm)
            else:
                denom = np.sqrt(v)
            denom /= bias_correction2_sqrt
            denom += eps
            p -= (lr / bias_correction1) * (m / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as in PyTorch.

    Each step first shrinks the weights, :math:`\theta \leftarrow \theta(1 -
    \gamma\lambda)`, then takes an :class:`Adam` step without any L2 term in the
    gradient. Same parameters as :class:`Adam`, but ``weight_decay`` defaults to 1e-2.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
