"""Child processes of the reliability tests: ``python -m tests.reliability.workers KIND ...``.

- ``writer URL PARENT PROGRESS``: creates branches under PARENT one transaction at a time,
  appending each committed index to PROGRESS, until killed.
- ``locker SQLITE_PATH SECONDS``: holds a SQLite write lock (BEGIN IMMEDIATE) for SECONDS.
- ``hang_before_commit URL KIND PARENT [FILE]``: runs one large batch (``codes``: issue_all;
  ``import``: a member import) with the driver's commit replaced by "print
  ``commit-pending`` and sleep": every row of the batch is written inside the open
  transaction when the test sends SIGKILL. The hook lives here, in the test process only.
"""

from __future__ import annotations

import sqlite3
import sys
import time

from tests.conftest import make_settings
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor


def open_services(url: str) -> Services:
    return Services.open(make_settings(url, clock=None), client_key="worker")


def writer(url: str, parent: str, progress: str) -> None:
    svc = open_services(url)
    op = Actor.server_operator()
    with open(progress, "a", encoding="utf-8") as out:
        i = 0
        while True:
            svc.orgs.create_child(op, int(parent), f"写入{i}班团支部", "团支部")
            out.write(f"{i}\n")
            out.flush()
            if i == 20:
                print("ready", flush=True)
            i += 1


def locker(path: str, seconds: str) -> None:
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO zhtj_meta (key, value) VALUES ('locker', 'x')")
    print("locked", flush=True)
    time.sleep(float(seconds))
    con.execute("ROLLBACK")
    con.close()
    print("released", flush=True)


def pg_locker(url: str, org_id: str, seconds: str) -> None:
    """Hold a row lock on one organisation (SELECT ... FOR UPDATE) for SECONDS."""
    import psycopg2

    con = psycopg2.connect(url)
    cur = con.cursor()
    cur.execute("SELECT id FROM org WHERE id = %s FOR UPDATE", (int(org_id),))
    print("locked", flush=True)
    time.sleep(float(seconds))
    con.rollback()
    con.close()
    print("released", flush=True)


def hang_before_commit(url: str, kind: str, parent: str, file: str | None = None) -> None:
    svc = open_services(url)
    provider = svc.store.db.provider
    original = provider.commit

    def commit(connection, cache=None):
        # Installed right before the batch's own write transaction: every row is written,
        # as the transaction itself sees it.
        cur = connection.cursor()
        cur.execute(f"select count(*) from {count_table}")
        print(f"commit-pending {cur.fetchone()[0]}", flush=True)
        time.sleep(600)
        return original(connection, cache)  # pragma: no cover - killed before

    count_table = "reg_code" if kind == "codes" else "member"
    op = Actor.server_operator()
    if kind == "codes":
        provider.commit = commit
        svc.codes.issue_all(op, int(parent), renew=True)
    elif kind == "import":
        from tests.reliability.importing import run_import

        run_import(svc, op, int(parent), file, before_write=lambda: setattr(provider, "commit", commit))
    else:  # pragma: no cover
        raise SystemExit(f"unknown batch {kind}")
    print("committed", flush=True)


def main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "soak":
        from tests.reliability.soak import worker_main

        worker_main(*args)
        return
    {"writer": writer, "locker": locker, "pg_locker": pg_locker, "hang_before_commit": hang_before_commit}[kind](*args)


if __name__ == "__main__":
    main(sys.argv[1:])
