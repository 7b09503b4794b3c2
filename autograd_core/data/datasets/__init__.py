"""Ready-made datasets: the classic backprop tasks (generated) and 8x8 digits (shipped).

Each function returns ``(X, y)`` Tensors.
"""

from .images import digits
from .toy import encoder, moons, parity, spirals, symmetry, xor

__all__ = ["digits", "encoder", "moons", "parity", "spirals", "symmetry", "xor"]
