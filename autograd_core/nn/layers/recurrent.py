"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their cells.

PyTorch's parameter names, shapes, gate order and formulas, so weights move both ways:

* RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu
* LSTM: gates (i, f, g, o) = (σ, σ, tanh, σ)(W_ih x + b_ih + W_hh h + b_hh);
  c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
* GRU:  r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
  n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h

The input projections W_ih x + b_ih of all time steps are one ``F.linear`` per layer
and direction (the LSTM and the Elman RNN add b_hh there too). The recurrence over
time is then one node per layer and direction (``functional_layers.LSTMLayerFused``,
``GRULayerFused``, ``RNNLayerFused``): its forward runs the time loop on arrays, its
backward is backpropagation through time in one loop, and both have native forward-mode
rules; under ``create_graph`` the rules recompute the steps on Tensors, so gradients
of any order work. The cells (``LSTMCell``, ``GRUCell``, ``RNNCell``) record one step;
``LSTMCell`` is one fused node (``LSTMCellFused``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_core as ac

from ... import dtypes
from ...errors import ShapeError
from ...tensor import Tensor, as_tensor
from .. import functional as F
from .. import functional_layers as FL
from .. import init
from ..module import Module
from ..parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


# ---- one time step (xp = W_ih x + b_ih, already computed) ------------------------------------


def _rnn_step(xp, h, whh_t, b_hh, act):
    pre = xp + h @ whh_t
    if b_hh is not None:
        pre = pre + b_hh
    return ac.tanh(pre) if act == "tanh" else ac.relu(pre)


def _lstm_step(xp, h, c, whh_t, b_hh):
    gates = xp + h @ whh_t
    if b_hh is not None:
        gates = gates + b_hh
    return FL._lstm_cell(gates, c)  # the gate activations, c' and h' in one node


def _lstm_projected(xp, h, c, whh_t, whr_t, reverse: bool):
    """An LSTM layer with PyTorch's ``proj_size``: h_t = (o_t ⊙ tanh c_t) W_hrᵀ, so the
    recurrent state and the outputs have proj_size columns. Recorded step by step (one
    cell node and two products per step), not fused: (outputs (L, N, P), h_n, c_n)."""
    steps = xp.shape[0]
    outs: list = [None] * steps
    for k in range(steps - 1, -1, -1) if reverse else range(steps):
        h_full, c = FL._lstm_cell(xp[k] + h @ whh_t, c)
        h = outs[k] = h_full @ whr_t
    return ac.stack(outs), h, c


def _gru_step(xp, h, whh_t, b_hh, hidden):
    gh = h @ whh_t
    if b_hh is not None:
        gh = gh + b_hh
    rz = ac.sigmoid(xp[:, : 2 * hidden] + gh[:, : 2 * hidden])
    r, z = rz[:, :hidden], rz[:, hidden:]
    n = ac.tanh(xp[:, 2 * hidden :] + r * gh[:, 2 * hidden :])
    return n + z * (h - n)  # = (1 − z) n + z h


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        layer = "LSTM" if mode == "LSTM" else "GRU" if mode == "GRU" else "RNN"
        if hidden_size < 1 or input_size < 1:
            raise ValueError(
                f"{layer}: input_size and hidden_size must be positive, got {input_size}, {hidden_size}"
            )
        if num_layers < 1:
            raise ValueError(f"{layer}: num_layers must be at least 1, got {num_layers}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{layer}: dropout must be in [0, 1], got {dropout}")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{layer}: proj_size is only supported for LSTM, not RNN or GRU")
        if not 0 <= proj_size < hidden_size:
            raise ValueError(f"{layer}: proj_size must be in [0, hidden_size={hidden_size}), got {proj_size}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = int(proj_size)
        state = proj_size or hidden_size  # the size of h (c keeps hidden_size)
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        gate = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_names: list[list[str]] = []
        for k in range(num_layers):
            in_size = input_size if k == 0 else state * directions
            for d in range(directions):
                sfx = f"_l{k}" + ("_reverse" if d else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                setattr(self, names[0], Parameter(np.empty((gate, in_size), dt)))
                setattr(self, names[1], Parameter(np.empty((gate, state), dt)))
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    setattr(self, names[2], Parameter(np.empty((gate,), dt)))
                    setattr(self, names[3], Parameter(np.empty((gate,), dt)))
                if proj_size:
                    names.append(f"weight_hr{sfx}")
                    setattr(self, names[-1], Parameter(np.empty((proj_size, hidden_size), dt)))
                self._flat_names.append(names)
        self.reset_parameters()

    @property
    def _layer(self) -> str:
        return type(self).__name__

    def reset_parameters(self) -> None:
        """Every weight and bias from U(−1/√hidden_size, 1/√hidden_size), like PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """No-op, for PyTorch compatibility (parameters are always used as they are)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per layer and direction: [weight_ih, weight_hh, bias_ih, bias_hh, weight_hr] (biases
        when present, weight_hr with ``proj_size``)."""
        return [[getattr(self, n) for n in names] for names in self._flat_names]

    # ---- checks ------------------------------------------------------------------------

    def _check_input(self, input: Tensor) -> bool:
        """Validate the input's shape; True when it is batched (3-D)."""
        shape = input.shape
        layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
        if input.ndim not in (2, 3):
            raise ShapeError(
                f"{self._layer}: expected a 3-D input {layout} or a 2-D unbatched input (L, H_in), "
                f"got a {input.ndim}-D input of shape {shape}"
            )
        if shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise ShapeError(
                f"{self._layer}: the sequence length must be at least 1, got input of shape {shape}"
            )
        if shape[-1] != self.input_size:
            raise ShapeError(
                f"{self._layer}: input of shape {shape} has {shape[-1]} features (last axis), "
                f"but the layer was built with input_size={self.input_size}"
            )
        if input.dtype.kind != "f":
            raise TypeError(f"{self._layer}: expected a floating-point input, got dtype {input.dtype}")
        return input.ndim == 3

    def _check_state(self, h, batch: int | None, name: str, size_name: str = "hidden_size") -> Tensor:
        """``h`` as a Tensor of shape (layers·directions, [N,] size), ``size`` the attribute
        ``size_name`` (h_0 of a projected LSTM has proj_size columns)."""
        h = _t(h)
        layers = self.num_layers * (2 if self.bidirectional else 1)
        size = getattr(self, size_name)
        want = (layers, size) if batch is None else (layers, batch, size)
        if h.shape != want:
            raise ShapeError(
                f"{self._layer}: {name} must have shape {want} (num_layers*num_directions, "
                f"{'' if batch is None else 'N, '}{size_name}), got {h.shape}"
            )
        return h

    # ---- forward -------------------------------------------------------------------------

    def forward(self, input: Any, hx: Any = None):
        input = _t(input)
        batched = self._check_input(input)
        lstm = self.mode == "LSTM"
        batch = (input.shape[0] if self.batch_first else input.shape[1]) if batched else None
        h0 = c0 = None
        if hx is not None:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{self._layer}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
                h_size = "proj_size" if self.proj_size else "hidden_size"
                h0 = self._check_state(hx[0], batch, "h_0", h_size)
                c0 = self._check_state(hx[1], batch, "c_0")
            else:
                if isinstance(hx, (tuple, list)):
                    raise TypeError(f"{self._layer}: hx must be a tensor, got {type(hx).__name__}")
                h0 = self._check_state(hx, batch, "h_0")
        x = input
        if not batched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
            h0 = None if h0 is None else h0.reshape(h0.shape[0], 1, h0.shape[1])
            c0 = None if c0 is None else c0.reshape(c0.shape[0], 1, c0.shape[1])
        elif self.batch_first:
            x = ac.swapaxes(x, 0, 1)
        steps, n = x.shape[0], x.shape[1]
        directions = 2 if self.bidirectional else 1
        zeros = np.zeros((n, self.hidden_size), x.dtype)
        h_zeros = np.zeros((n, self.proj_size), x.dtype) if self.proj_size else zeros
        h_n, c_n = [], []
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0 and self.training:
                x = FL._dropout(x, self.dropout)
            outs = []
            for d in range(directions):
                idx = k * directions + d
                w = self.all_weights[idx]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                # (L, N, gate): every time step in one product, the bias added in place;
                # for the LSTM and the Elman RNN both biases go in here once, not b_hh
                # again at every step
                bias = None if b_ih is None else b_ih if self.mode == "GRU" else b_ih + b_hh
                xp = F.linear(x, w_ih, bias)
                h = h_zeros if h0 is None else h0[idx]
                c = zeros if c0 is None else c0[idx] if lstm else None
                if self.proj_size:
                    ys = _lstm_projected(xp, h, c, w_hh.T, w[-1].T, reverse=d == 1)
                else:
                    ys = self._run(xp, h, c, w_hh.T, b_hh, reverse=d == 1)
                outs.append(ys[0])
                h_n.append(ys[1])
                if lstm:
                    c_n.append(ys[2])
            x = outs[0] if directions == 1 else ac.concatenate(outs, axis=-1)
        output = x
        h_n = ac.stack([_t(h) for h in h_n])
        c_n = ac.stack([_t(c) for c in c_n]) if lstm else None
        if not batched:
            output = output.reshape(steps, -1)
            h_n = h_n.reshape(h_n.shape[0], -1)
            c_n = None if c_n is None else c_n.reshape(c_n.shape[0], -1)
        elif self.batch_first:
            output = ac.swapaxes(output, 0, 1)
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def _run(self, xp, h, c, whh_t, b_hh, reverse: bool):
        """The time loop of one layer and direction, as one node for the whole sequence:
        (outputs (L, N, H), h_last, c_last)."""
        if self.mode == "LSTM":  # b_hh is already in xp
            return FL._lstm_layer(xp, h, c, whh_t, reverse)
        if self.mode == "GRU":  # b_hh is not: r multiplies h W_hnᵀ + b_hn
            if b_hh is None:
                b_hh = np.zeros(whh_t.shape[-1], whh_t.dtype)
            ys = FL._gru_layer(xp, h, whh_t, b_hh, reverse)
        else:  # Elman RNN, b_hh already in xp
            act = "tanh" if self.mode == "RNN_TANH" else "relu"
            ys = FL._rnn_layer(xp, h, whh_t, act, reverse)
        return ys, ys[0 if reverse else -1], None

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act ``'tanh'`` or ``'relu'``.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
        Stacked layers; layer k > 0 reads layer k − 1's output.
    nonlinearity : ``'tanh'`` or ``'relu'``
    bias : bool
    batch_first : bool
        Input/output (N, L, H) instead of (L, N, H).
    dropout : float
        Dropout on the outputs of every layer but the last (training mode only).
    bidirectional : bool
        Also run each layer backwards in time; outputs are concatenated [forward, backward].

    ``forward(input, h_0=None)`` returns ``(output, h_n)``: output (L, N, D·H) of the
    last layer, h_n (num_layers·D, N, H) the final state of every layer and direction
    (ordered layer 0 forward, layer 0 backward, layer 1 …). 2-D input (L, H_in) is
    one unbatched sequence. Parameters ``weight_ih_l{k}[_reverse]`` (H, in),
    ``weight_hh_l{k}`` (H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (H,).

    >>> import autograd_core as ac
    >>> out, h = ac.nn.RNN(3, 5, num_layers=2)(ac.zeros((7, 4, 3)))
    >>> out.shape, h.shape
    ((7, 4, 5), (2, 4, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
        )

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), PyTorch's formulation.

    Gates i, f, g, o (that order in the stacked weights, each ``hidden_size`` rows):
    i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of W_ih x + b_ih + W_hh h + b_hh;
    c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t). Arguments as :class:`RNN`
    (without ``nonlinearity``); weights have 4·hidden_size rows.

    ``proj_size`` P > 0 (P < hidden_size) projects the state: h_t = W_hr (o ⊙ tanh(c_t)),
    with ``weight_hr_l{k}`` (P, hidden_size); h, the outputs and ``weight_hh`` (4H, P) then
    have P columns and layers above the first read D·P features, as in PyTorch. Such a
    layer is recorded step by step (one cell node and two products per step) instead of
    as one node.

    ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``.

    >>> import autograd_core as ac
    >>> lstm = ac.nn.LSTM(3, 5, batch_first=True, bidirectional=True)
    >>> out, (h, c) = lstm(ac.zeros((4, 7, 3)))
    >>> out.shape, h.shape, c.shape
    ((4, 7, 10), (2, 4, 5), (2, 4, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            dtype,
        )


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), PyTorch's formulation.

    Gates r, z, n (that order): r = σ(W_ir x + b_ir + W_hr h + b_hr),
    z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
    h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}. Arguments and results as :class:`RNN`; weights
    have 3·hidden_size rows.

    >>> import autograd_core as ac
    >>> out, h = ac.nn.GRU(3, 5)(ac.zeros((7, 3)))  # one unbatched sequence
    >>> out.shape, h.shape
    ((7, 5), (1, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype=dtype
        )


# ---- cells ---------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """Shared machinery of the single-step cells."""

    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        if hidden_size < 1 or input_size < 1:
            raise ValueError(
                f"{type(self).__name__}: input_size and hidden_size must be positive, got {input_size}, {hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        gate = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((gate, input_size), dt))
        self.weight_hh = Parameter(np.empty((gate, hidden_size), dt))
        if bias:
            self.bias_ih = Parameter(np.empty((gate,), dt))
            self.bias_hh = Parameter(np.empty((gate,), dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(−1/√hidden_size, 1/√hidden_size), like PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, input: Any, states: list, names: list[str]):
        """Check shapes; make everything 2-D (N, ·); return (x, states, batched)."""
        layer = type(self).__name__
        x = _t(input)
        if x.ndim not in (1, 2):
            raise ShapeError(
                f"{layer}: expected a 2-D input (N, input_size) or a 1-D unbatched input, "
                f"got a {x.ndim}-D input of shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{layer}: input of shape {x.shape} has {x.shape[-1]} features (last axis), "
                f"but the cell was built with input_size={self.input_size}"
            )
        batched = x.ndim == 2
        if not batched:
            x = x.reshape(1, -1)
        n = x.shape[0]
        out = []
        for s, name in zip(states, names):
            if s is None:
                out.append(np.zeros((n, self.hidden_size), x.dtype))
                continue
            s = _t(s)
            want = (n, self.hidden_size) if batched else (self.hidden_size,)
            if s.shape != want:
                raise ShapeError(f"{layer}: {name} must have shape {want}, got {s.shape}")
            out.append(s if batched else s.reshape(1, -1))
        return x, out, batched

    def _xp(self, x):
        xp = x @ self.weight_ih.T
        return xp if self.bias_ih is None else xp + self.bias_ih

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """One step of :class:`RNN`: h' = act(W_ih x + b_ih + W_hh h + b_hh).

    ``forward(input (N, in) or (in,), hx=None)`` returns h' (zeros when ``hx`` is None).

    >>> import autograd_core as ac
    >>> ac.nn.RNNCell(3, 4)(ac.zeros((2, 3))).shape
    (2, 4)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx], ["hx"])
        h = _rnn_step(self._xp(x), h, self.weight_hh.T, self.bias_hh, self.nonlinearity)
        return h if batched else h.reshape(-1)


class LSTMCell(RNNCellBase):
    """One step of :class:`LSTM`; ``forward(input, (h, c)=None)`` returns ``(h', c')``.

    >>> import autograd_core as ac
    >>> h, c = ac.nn.LSTMCell(3, 4)(ac.zeros((2, 3)))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))
    """

    _gates = 4

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        x, (h, c), batched = self._prepare(input, [h0, c0], ["h", "c"])
        h, c = _lstm_step(self._xp(x), h, c, self.weight_hh.T, self.bias_hh)
        return (h, c) if batched else (h.reshape(-1), c.reshape(-1))


class GRUCell(RNNCellBase):
    """One step of :class:`GRU`; ``forward(input, hx=None)`` returns h'.

    >>> import autograd_core as ac
    >>> ac.nn.GRUCell(3, 4)(ac.zeros(3)).shape
    (4,)
    """

    _gates = 3

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx], ["hx"])
        h = _gru_step(self._xp(x), h, self.weight_hh.T, self.bias_hh, self.hidden_size)
        return h if batched else h.reshape(-1)
