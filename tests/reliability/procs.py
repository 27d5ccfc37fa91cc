"""Running real processes against one database: helpers for the reliability tests.

Child processes run ``python -m tests.reliability.workers KIND ...`` from the project root
with ``PYTHONPATH`` set, so they import this checkout's code.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def spawn(*args: str, stdout=subprocess.PIPE, **env: str) -> subprocess.Popen:
    """Start ``python -m tests.reliability.workers *args``."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.workers", *args],
        cwd=ROOT, env=child_env(**env), stdout=stdout, stderr=subprocess.PIPE, text=True,
    )


def wait_line(proc: subprocess.Popen, prefix: str, timeout: float = 60.0) -> str:
    """Read the child's stdout until a line starting with ``prefix`` (blocking read; the
    child prints it and flushes). Fails with the child's stderr if it exits first."""
    import select

    assert proc.stdout is not None
    fd = proc.stdout
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError(f"child did not print {prefix!r} within {timeout}s")
        line = fd.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"child exited before printing {prefix!r}: {err[-2000:]}")
        if line.startswith(prefix):
            return line.strip()


def sqlite_path(url: str) -> str:
    from zhtj_tui.db import parse_url

    return parse_url(url).path or ""


def integrity(path: str) -> list[str]:
    con = sqlite3.connect(path, timeout=30)
    try:
        return [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    finally:
        con.close()
