"""The benchmark suite of autograd_core: ``python -m benchmarks`` or ``python benchmarks/run.py``."""
