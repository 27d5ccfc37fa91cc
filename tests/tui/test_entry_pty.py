"""R-MEM-1/2 over a link like SSH after a stall: the real ``zhtj`` on a pseudo-terminal
(80x24) gets a class typed ahead as bytes in chunks of random size (1–64 bytes) with random
gaps (0–300 ms), seeded; the database must then hold exactly the intended members.

Chunks may split a UTF-8 character but not an escape sequence (an arrow, Delete, Shift+Tab):
a terminal writes a key's sequence at once, and a sequence cut by a pause longer than
``ESCDELAY`` (100 ms) cannot be told from Esc followed by text by any program.

``ZHTJ_PTY_MEMBERS`` sets how many members are typed (default 30; ``ZHTJ_PTY_SEED`` the seed).
The full class of 100 (``ZHTJ_PTY_MEMBERS=100``) takes about 30 s alone on an idle two-core
machine and a minute on a busy one; it is not the default because the whole suite must stay
under five minutes on two cores and is close to that.
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import struct
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.entry_roster import BYTES, intended, roster, stored, to_bytes, typed_keys
from tests.helpers import PASSWORD
from tests.tui.test_entry_tmux import _setup
from tests.tui.tmux import services_on

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = int(os.environ.get("ZHTJ_PTY_MEMBERS", "30"))
SEED = int(os.environ.get("ZHTJ_PTY_SEED", "2026"))
SEQUENCES = [b for b in BYTES.values() if b.startswith(b"\x1b")]
CSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


class Terminal:
    """``zhtj`` on a pty; a thread drains its output (the screen text, escapes removed)."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        import fcntl
        import pty
        import termios

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the program itself
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.text = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        decode = __import__("codecs").getincrementaldecoder("utf-8")(errors="replace").decode
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.text = (self.text + CSI.sub("", decode(data)))[-20000:]

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if text in self.text:
                    self.text = ""
                    return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; output ends:\n{self.text[-2000:]}")

    def write(self, data: bytes) -> None:
        while data:
            n = os.write(self.fd, data)
            data = data[n:]

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def chunks(data: bytes, rng: random.Random) -> list[bytes]:
    """Random sizes 1–64 bytes; a cut inside an escape sequence moves to its end."""
    out, at = [], 0
    while at < len(data):
        end = min(len(data), at + rng.randint(1, 64))
        for seq in SEQUENCES:
            start = data.rfind(b"\x1b", at, end)
            if start >= 0 and data.startswith(seq, start) and start + len(seq) > end:
                end = start + len(seq)
        out.append(data[at:end])
        at = end
    return out


def _count(url, who, branch_id) -> int:
    with services_on(url, "pty-entry") as services:
        actor = services.accounts.login(who.mobile, PASSWORD).actor(branch_id)
        return services.members.totals(actor, branch_id).members


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_a_class_typed_through_a_bursty_link(tmp_path):
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    branch_id, who = _setup(url)
    members = roster(MEMBERS, seed=SEED)
    data = b"".join(to_bytes(keys) for keys in typed_keys(members))
    rng = random.Random(SEED)
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
                "COLUMNS": "80", "LINES": "24", "ZHTJ_CONFIG": str(tmp_path / "none.toml"),
                "ZHTJ_STATE_DIR": str(tmp_path / "state"), "ZHTJ_DATA_DIR": str(tmp_path / "data"),
                "HOME": str(tmp_path)})
    env.pop("TMUX", None)
    term = Terminal([sys.executable, "-m", "zhtj_tui", "--db", url, "--no-mouse"], env)
    try:
        term.wait_for("账号")
        term.write(f"{who.mobile}\r{PASSWORD}\r".encode())
        term.wait_for("团员管理")
        term.write(b"n")
        term.wait_for("团员录入")
        for piece in chunks(data, rng):
            term.write(piece)
            time.sleep(rng.uniform(0, 0.3))
        deadline = time.monotonic() + 60 + 2 * MEMBERS
        while _count(url, who, branch_id) < MEMBERS and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        term.close()
    with services_on(url, "pty-entry") as services:
        actor = services.accounts.login(who.mobile, PASSWORD).actor(branch_id)
        assert stored(services, actor, branch_id) == intended(services, members)

