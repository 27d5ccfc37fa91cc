"""Counting the hostile inputs tried by the fuzz tests, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

#: Inputs tried, by target (validator, CLI, Excel reader).
tried: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter):
    if not tried:
        return
    terminalreporter.section("hostile inputs tried (crashes: 0 unless a test failed)")
    groups: Counter[str] = Counter()
    targets: Counter[str] = Counter()
    for name, n in tried.items():
        group = name.split(" ")[0] if " " in name else "domain " + name.split(".")[0]
        groups[group] += n
        targets[group] += 1
    for group, n in sorted(groups.items()):
        terminalreporter.write_line(f"{group:30s} {n:7d} inputs over {targets[group]} targets")
    terminalreporter.write_line(f"{'total':30s} {sum(tried.values()):7d}")
