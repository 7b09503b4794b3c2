"""Testing tools: finite-difference gradient checks and Hypothesis strategies.

``strategies`` needs Hypothesis (the ``dev`` extra); import it explicitly:
``from autograd_core.testing import strategies``.
"""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]
