"""Counting the hostile inputs tried by the fuzz tests, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

#: Inputs tried, by target (validator, CLI, Excel reader).
tried: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter):
    if not tried:
        return
    terminalreporter.section("hostile inputs tried (crashes: 0 unless a test failed)")
    for name, n in sorted(tried.items()):
        terminalreporter.write_line(f"{name:40s} {n:7d}")
    terminalreporter.write_line(f"{'total':40s} {sum(tried.values()):7d}")
