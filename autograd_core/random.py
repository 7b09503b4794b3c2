"""The library's random number generator: one seeded NumPy Generator.

``manual_seed(n)`` makes ``rand/randn/randint``, the ``nn.init`` initialisers,
dropout and shuffling data loaders reproducible.
"""

from __future__ import annotations

import numpy as np

_state = {"rng": np.random.default_rng()}


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator; returns it."""
    _state["rng"] = np.random.default_rng(seed)
    return _state["rng"]


def get_rng() -> np.random.Generator:
    """The global generator used by every random function of the library."""
    return _state["rng"]


def get_rng_state() -> dict:
    """A snapshot of the generator (used by ``checkpoint`` to replay dropout)."""
    return _state["rng"].bit_generator.state


def set_rng_state(state: dict) -> None:
    _state["rng"].bit_generator.state = state
