"""Rapid member entry figures (not a test), each printed beside a baseline from the same run:

1. keys per member for a class roster where 民族, 政治面貌, 学历 and 入团年月 repeat, as
   typed on the form (kept values: Enter keeps, typing replaces) — beside the goal (the
   data's own characters plus one key per field) and beside the same roster with no kept
   values (every field typed in full);
2. members per minute for a scripted typist at 10 keys/s, the real ``zhtj`` in tmux at
   80x24 — beside the typist's own ceiling (600 keys a minute over the keys per member);
3. Ctrl+S to the blank form, measured in the real terminal (tmux capture-pane polled until
   the saved count and the empty 姓名 show) — beside the same terminal's echo of one typed
   character (the floor of this way of measuring). Goal: ≤ 50 ms.

    PYTHONPATH=. python benchmarks/entry_bench.py [--members 30] [--typist 4] [--saves 10]

Every wait is bounded; the tmux server is killed at the end whatever happens.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.entry_roster import (  # noqa: E402
    TMUX,
    count_keys,
    member_keys,
    roster,
    to_tmux,
    typed_keys,
)
from tests.helpers import PASSWORD  # noqa: E402
from tests.tui.test_entry_tmux import _setup  # noqa: E402
from tests.tui.tmux import Tmux as TerminalTmux  # noqa: E402

FIELDS_TYPED = 8  # 姓名 … 团员编号; Ctrl+S saves from there


class Tmux(TerminalTmux):
    """The tests' tmux driver, with a wait that returns how long it took."""

    def wait(self, test, timeout: float = 60.0, poll: float = 0.0) -> float:
        """Poll until ``test(screen)``; returns the time it took (bounded)."""
        t0 = time.perf_counter()
        while True:
            screen = self.screen()
            if test(screen):
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"timed out after {timeout}s; screen:\n{screen}")
            if poll:
                time.sleep(poll)


def keys_per_member(n: int) -> tuple[float, float, float]:
    members = roster(n, seed=30)
    ours = [count_keys(k) for k in typed_keys(members, corrections=False)]
    goal, full = [], []
    for m in members:
        data = sum(len(v) for v in m.values().values())
        goal.append(data + FIELDS_TYPED)
        full.append(count_keys(member_keys(m, {}, 0, corrections=False)))
    return statistics.mean(ours), statistics.mean(goal), statistics.mean(full)


def name_line_empty(screen: str) -> bool:
    for line in screen.splitlines():
        if line.strip().startswith("姓名*"):
            return line.strip() == "姓名*"
    return False


def terminal_figures(typist_members: int, saves: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="zhtj-entry-bench-"))
    url = f"sqlite:///{tmp / 'zhtj.sqlite'}"
    _, who = _setup(url)
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
                "ZHTJ_CONFIG": str(tmp / "none.toml"), "ZHTJ_STATE_DIR": str(tmp / "state"),
                "ZHTJ_DATA_DIR": str(tmp / "data"), "HOME": str(tmp)})
    env.pop("TMUX", None)
    tmux = Tmux(env)
    tmux.run("new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
             f"{sys.executable} -m zhtj_tui --db {url} --no-mouse")
    out: dict[str, float] = {}
    try:
        tmux.wait(lambda s: "▸账号" in s, poll=0.05)
        tmux.run("send-keys", "-t", "t", "-l", f"{who.mobile}\r{PASSWORD}\r")
        tmux.wait(lambda s: "团员管理 ·" in s, poll=0.05)
        tmux.keys("n")
        tmux.wait(lambda s: "本次已保存 0 人" in s, poll=0.05)
        members = roster(typist_members + saves, seed=31)
        plans = typed_keys(members, corrections=False)

        # 2. A typist at 10 keys/s, one key every 100 ms, whatever the screen shows.
        t0 = time.perf_counter()
        sent = 0
        for keys in plans[:typist_members]:
            for token in keys:
                for key in (list(token) if isinstance(token, str) else [TMUX[token.name]]):
                    due = t0 + sent * 0.1
                    time.sleep(max(0.0, due - time.perf_counter()))
                    if isinstance(token, str):
                        tmux.keys("-l", "--", key)
                    else:
                        tmux.keys(key)
                    sent += 1
        tmux.wait(lambda s: f"本次已保存 {typist_members} 人" in s, timeout=120)
        minutes = (time.perf_counter() - t0) / 60
        out["typist_members_per_minute"] = typist_members / minutes
        out["typist_keys"] = sent

        # 3. Ctrl+S to the blank form, and the echo of one character, in the same terminal.
        ready, echo = [], []
        for i, keys in enumerate(plans[typist_members:]):
            body = to_tmux(keys)[:-1]  # everything but Ctrl+S
            first, rest = body[0], body[1:]
            tmux.keys(first[0])
            echo.append(tmux.wait(lambda s, c=first[0]: any(
                line.strip().startswith("姓名*") and c in line for line in s.splitlines())))
            tmux.keys(first[1:], *rest)
            tmux.wait(lambda s, t=keys[-2]: t in s)  # the last field typed is on the screen
            count = typist_members + i + 1
            t = time.perf_counter()
            tmux.keys("C-s")
            tmux.wait(lambda s, n=count: f"本次已保存 {n} 人" in s and name_line_empty(s))
            ready.append(time.perf_counter() - t)
        out["save_ms"] = statistics.median(ready) * 1000
        out["save_ms_best"] = min(ready) * 1000
        out["save_ms_max"] = max(ready) * 1000
        out["echo_ms"] = statistics.median(echo) * 1000
        out["echo_ms_best"] = min(echo) * 1000
    finally:
        try:
            tmux.run("kill-server")
        except Exception:  # noqa: BLE001 - already gone
            pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=30, help="roster size for keys per member")
    ap.add_argument("--typist", type=int, default=4, help="members typed at 10 keys/s")
    ap.add_argument("--saves", type=int, default=10, help="Ctrl+S timings")
    args = ap.parse_args()
    ours, goal, full = keys_per_member(args.members)
    print(f"keys per member ({args.members} members, 民族/政治面貌/学历/入团年月 repeating):")
    print(f"  as typed on the form      {ours:6.1f}")
    print(f"  goal (data + 1 per field) {goal:6.1f}")
    print(f"  baseline: no kept values  {full:6.1f}")
    fig = terminal_figures(args.typist, args.saves)
    ceiling = 600 / ours
    print(f"members per minute, typist at 10 keys/s in tmux 80x24 ({args.typist} members, {fig['typist_keys']} keys):")
    print(f"  measured                  {fig['typist_members_per_minute']:6.1f}")
    print(f"  baseline: typist ceiling  {ceiling:6.1f}")
    print(f"Ctrl+S to the blank form in the real terminal (median of {args.saves}; goal <= 50 ms):")
    print(f"  measured                  {fig['save_ms']:6.1f} ms (best {fig['save_ms_best']:.1f}, "
          f"max {fig['save_ms_max']:.1f})")
    print(f"  baseline: one key's echo  {fig['echo_ms']:6.1f} ms (best {fig['echo_ms_best']:.1f})")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
