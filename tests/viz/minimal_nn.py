"""A tiny stand-in for ``ac.nn`` (Module / Linear / activations / Sequential).

It has just what ``ac.viz`` relies on: ``__call__`` -> ``forward``, ``named_parameters()``
and ``named_modules()``, so the collapse tests do not depend on the nn package.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ac


class Module:
    def __init__(self):
        self._children = {}
        self._params = {}

    def __setattr__(self, name, value):
        if isinstance(value, Module):
            self.__dict__.setdefault("_children", {})[name] = value
        elif isinstance(value, ac.Tensor) and value.requires_grad:
            self.__dict__.setdefault("_params", {})[name] = value
        object.__setattr__(self, name, value)

    def __call__(self, *args):
        return self.forward(*args)

    def named_modules(self, prefix=""):
        out = [(prefix, self)]
        for name, child in self._children.items():
            out += child.named_modules(f"{prefix}.{name}" if prefix else name)
        return out

    def named_parameters(self):
        out = []
        for qual, m in self.named_modules():
            for name, p in m._params.items():
                out.append((f"{qual}.{name}" if qual else name, p))
        return out

    def parameters(self):
        return [p for _, p in self.named_parameters()]


class Linear(Module):
    def __init__(self, n_in, n_out, rng):
        super().__init__()
        self.weight = ac.tensor(rng.normal(0, n_in**-0.5, (n_out, n_in)), requires_grad=True)
        self.bias = ac.tensor(np.zeros(n_out), requires_grad=True)

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Tanh(Module):
    def forward(self, x):
        return ac.tanh(x)


class ReLU(Module):
    def forward(self, x):
        return ac.relu(x)


class Sequential(Module):
    def __init__(self, *layers):
        super().__init__()
        for i, layer in enumerate(layers):
            setattr(self, str(i), layer)

    def forward(self, x):
        for layer in self._children.values():
            x = layer(x)
        return x


class MLP(Module):
    """Two hidden layers with functional activations (parameter-free ops in the container)."""

    def __init__(self, sizes, rng):
        super().__init__()
        self.fc1 = Linear(sizes[0], sizes[1], rng)
        self.fc2 = Linear(sizes[1], sizes[2], rng)
        self.out = Linear(sizes[2], sizes[3], rng)

    def forward(self, x):
        x = ac.relu(self.fc1(x))
        x = ac.relu(self.fc2(x))
        return self.out(x)


def mse(pred, target):
    """Mean squared error from matmuls only (works before reductions exist)."""
    d = pred - target
    sq = (d * d).reshape(-1)
    return sq @ np.full(sq.shape[0], 1.0 / sq.shape[0], dtype=sq.dtype)
