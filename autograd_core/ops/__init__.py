"""All operations; importing this package registers them on Tensor and for NumPy."""

from . import (  # noqa: F401  (registration side effects)
    arithmetic,
    conv,
    elementwise,
    indexing,
    join,
    linalg,
    reduction,
    shape,
)
from ._registry import PUBLIC_OPS

__all__ = sorted(PUBLIC_OPS)
globals().update(PUBLIC_OPS)
