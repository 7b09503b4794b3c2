"""All operations; importing this package registers them on Tensor and for NumPy."""

from . import arithmetic, conv, elementwise, linalg, reduction, shape  # noqa: F401  (registration side effects)
from ._registry import PUBLIC_OPS

__all__ = sorted(PUBLIC_OPS)
globals().update(PUBLIC_OPS)
