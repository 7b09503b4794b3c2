"""``python -m benchmarks [--quick] [--threads N] [--plot]``: the suite's one table."""

import sys

if __name__ == "__main__":
    sys.argv[0] = "benchmarks/run.py"
    from benchmarks.run import main

    main()
