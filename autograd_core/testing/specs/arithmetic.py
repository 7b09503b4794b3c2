"""Spec rows for ops/arithmetic.py."""

import numpy as np

import autograd_core as ac

from ..opspec import elementwise

SPECS = [
    elementwise("add", ac.add, np.add, arity=2),
    elementwise("subtract", ac.subtract, np.subtract, arity=2),
    elementwise("multiply", ac.multiply, np.multiply, arity=2),
    elementwise("divide", ac.divide, np.divide, arity=2, low=0.5, high=2.0),
    elementwise("power", ac.power, np.power, arity=2, low=0.5, high=2.0),
    elementwise("negative", ac.negative, np.negative),
    elementwise("positive", ac.positive, np.positive),
    elementwise("less", ac.less, np.less, arity=2, differentiable=False),
    elementwise("less_equal", ac.less_equal, np.less_equal, arity=2, differentiable=False),
    elementwise("greater", ac.greater, np.greater, arity=2, differentiable=False),
    elementwise("greater_equal", ac.greater_equal, np.greater_equal, arity=2, differentiable=False),
    elementwise("equal", ac.equal, np.equal, arity=2, differentiable=False),
    elementwise("not_equal", ac.not_equal, np.not_equal, arity=2, differentiable=False),
    elementwise(
        "logical_and",
        lambda a, b: ac.logical_and(a > 0, b > 0),
        lambda a, b: np.logical_and(a > 0, b > 0),
        arity=2,
        differentiable=False,
    ),
    elementwise(
        "logical_or",
        lambda a, b: ac.logical_or(a > 0, b > 0),
        lambda a, b: np.logical_or(a > 0, b > 0),
        arity=2,
        differentiable=False,
    ),
    elementwise(
        "logical_not", lambda a: ac.logical_not(a > 0), lambda a: np.logical_not(a > 0), differentiable=False
    ),
]
