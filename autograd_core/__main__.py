"""``python -m autograd_core``: a short tour of the engine (the full demo comes with nn)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    import autograd_core as ac

    x = ac.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    y = ac.tanh(x * 0.9 + 0.1)
    loss = (y * y).sum() if hasattr(y, "sum") else ac.multiply(y, y)
    loss.backward(None if loss.size == 1 else np.ones(loss.shape))
    print("x      =", x.data)
    print("d/dx   =", x.grad.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
