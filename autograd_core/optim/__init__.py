"""Optimizers and learning-rate schedulers, with PyTorch's update rules and defaults.

>>> import autograd_core as ac
>>> w = ac.tensor([3.0], requires_grad=True)
>>> opt = ac.optim.Adam([w], lr=0.1)
>>> for _ in range(100):
...     opt.zero_grad()
...     loss = w * w
...     loss.backward()
...     opt.step()
>>> abs(w.item()) < 0.1
True
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
