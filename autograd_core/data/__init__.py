"""Data: datasets, splits, mini-batch loading, and the classic backprop tasks.

>>> import autograd_core as ac
>>> X, y = ac.data.datasets.xor()
>>> loader = ac.data.DataLoader(ac.data.TensorDataset(X, y), batch_size=2, shuffle=True, seed=0)
>>> [xb.shape for xb, yb in loader]
[(2, 2), (2, 2)]
"""

from . import datasets
from .dataloader import DataLoader
from .dataset import Dataset, Subset, TensorDataset, default_collate, random_split, stratified_split

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "datasets",
    "default_collate",
    "random_split",
    "stratified_split",
]
