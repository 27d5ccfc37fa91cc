"""Concurrency soak as a benchmark: N processes doing the realistic mix of
``tests/reliability/soak.py`` on one database, then the same checks as the test; prints
operations per second by kind, busy retries, refusals by reason and problems found.

    PYTHONPATH=. python benchmarks/soak.py                     # SQLite, 8 processes, 20 s
    PYTHONPATH=. python benchmarks/soak.py --workers 16 --seconds 60
    PYTHONPATH=. python benchmarks/soak.py --db postgresql://postgres@127.0.0.1:5432/postgres

For PostgreSQL, ``--db`` names a server: a throwaway database is created there and dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--db", default="", help="a PostgreSQL server URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    from tests.reliability import soak

    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            os.environ["ZHTJ_TEST_PG"] = args.db
            from tests import pg

            pg.PG_URL = args.db
            url = pg.create_database()
        else:
            url = f"sqlite:///{tmp}/soak.sqlite"
        try:
            result = soak.run(url, args.workers, args.seconds, Path(tmp))
        finally:
            if args.db:
                pg.drop_database(url)
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"{backend}: " + result.report())
    return 1 if result.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
