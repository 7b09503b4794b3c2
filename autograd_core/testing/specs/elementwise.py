"""Spec rows for ops/elementwise.py."""

import math

import numpy as np

import autograd_core as ac

from ..opspec import elementwise


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _apart(a, b):
    return bool(np.all(np.abs(a - b) > 1e-3))


SPECS = [
    elementwise("exp", ac.exp, np.exp),
    elementwise("log", ac.log, np.log, low=0.1, high=3.0),
    elementwise("log1p", ac.log1p, np.log1p, low=-0.9, high=3.0),
    elementwise("expm1", ac.expm1, np.expm1),
    elementwise("sqrt", ac.sqrt, np.sqrt, low=0.1, high=3.0),
    elementwise("square", ac.square, np.square),
    elementwise("sin", ac.sin, np.sin),
    elementwise("cos", ac.cos, np.cos),
    elementwise("tan", ac.tan, np.tan, low=-1.2, high=1.2),
    elementwise("tanh", ac.tanh, np.tanh),
    elementwise("sinh", ac.sinh, np.sinh),
    elementwise("cosh", ac.cosh, np.cosh),
    elementwise("arcsin", ac.arcsin, np.arcsin, low=-0.9, high=0.9),
    elementwise("arccos", ac.arccos, np.arccos, low=-0.9, high=0.9),
    elementwise("arctan", ac.arctan, np.arctan),
    elementwise("sigmoid", ac.sigmoid, _sigmoid, low=-6, high=6),
    elementwise("softplus", ac.softplus, lambda x: np.log1p(np.exp(x)), low=-6, high=6),
    elementwise("relu", ac.relu, lambda x: np.maximum(x, 0), away_from=(0.0,)),
    elementwise("leaky_relu", ac.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), away_from=(0.0,)),
    elementwise("elu", ac.elu, lambda x: np.where(x > 0, x, np.expm1(x)), away_from=(0.0,)),
    elementwise("gelu", ac.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    elementwise("erf", ac.erf, _erf),
    elementwise("abs", ac.abs, np.abs, away_from=(0.0,)),
    elementwise("sign", ac.sign, np.sign, away_from=(0.0,)),
    elementwise(
        "clip", lambda x: ac.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), away_from=(-0.5, 0.7)
    ),
    elementwise("maximum", ac.maximum, np.maximum, arity=2, valid=_apart),
    elementwise("minimum", ac.minimum, np.minimum, arity=2, valid=_apart),
    elementwise(
        "where",
        lambda c, a, b: ac.where(c > 0, a, b),
        lambda c, a, b: np.where(c > 0, a, b),
        arity=3,
        grad_inputs=(1, 2),
    ),
]
