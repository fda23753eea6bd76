#!/usr/bin/env python3
"""The benchmark of issue 8, the same as `hotline bench` (see --help).

.venv/bin/python scripts/bench.py                  # full run on a temporary SQLite file
.venv/bin/python scripts/bench.py --quick --json   # small sizes, under 30 s
.venv/bin/python scripts/bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    from bench.main import main

    sys.exit(main(sys.argv[1:]))
