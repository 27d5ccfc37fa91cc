"""Random keys at every screen: printable text (Chinese too), control keys, function keys,
Esc, Alt+digits and terminal resizes, from a seed. Whatever arrives, the interface neither
crashes nor shows or logs a traceback, and nothing is written that the keys did not ask
for: every change of the data is one the audit log records (SPEC §9), the stored derived
values stay true (``services.consistency``), and no file appears outside the
administrator's own folder and the program's state directory.

Each run sends ``ZHTJ_FUZZ_KEYS`` keys per starting screen (default 60, for CI; 600 with
``ZHTJ_THOROUGH=1``) from the
seed ``ZHTJ_FUZZ_SEED`` (default: fixed; a failure prints the seed and the keys so far).
For a longer run: ``ZHTJ_FUZZ_KEYS=3000 ZHTJ_FUZZ_SEED=$RANDOM pytest tests/tui/test_fuzz.py``.
"""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest
from pony.orm import db_session

from tests.helpers import examples
from tests.tui.conftest import settle
from tests.tui.flows import setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.screens.keys import ALT_DIGIT_KEYS

KEYS = int(os.environ.get("ZHTJ_FUZZ_KEYS", examples(60)))
SEED = int(os.environ.get("ZHTJ_FUZZ_SEED", "20261202"))

PRINTABLE = [*"abcdefghijklmnopqrstuvwxyz0123456789", "space", "minus", "full_stop", "slash", "团", "支", "部",
             "张", "三", "级", "班"]
NAVIGATION = ["escape", "escape", "enter", "enter", "tab", "shift+tab", "up", "down", "left", "right", "home",
              "end", "pageup", "pagedown", "backspace", "delete"]
FUNCTION = [f"f{n}" for n in range(1, 13)]
CONTROL = ["ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+s", "ctrl+f", "ctrl+p", "ctrl+c", "ctrl+v",
           "ctrl+x", "ctrl+y", "ctrl+n"]  # not Ctrl+Q: it quits, as asked
ALT = [f"alt+{n}" for n in range(1, 7)] + list(ALT_DIGIT_KEYS)
SIZES = [(80, 24), (100, 30), (120, 40), (80, 24)]
#: The data tables whose every change must leave an audit entry.
AUDITED = ("org", "member", "cadre", "admin_role", "deadline_task", "reg_code")


def key_stream(rng: random.Random):
    while True:
        r = rng.random()
        if r < 0.40:
            yield rng.choice(PRINTABLE)
        elif r < 0.72:
            yield rng.choice(NAVIGATION)
        elif r < 0.82:
            yield rng.choice(FUNCTION)
        elif r < 0.92:
            yield rng.choice(CONTROL)
        elif r < 0.97:
            yield rng.choice(ALT)
        else:
            yield "resize"


def data_state(services) -> tuple[int, dict[str, str]]:
    """(audit entries, a digest of each audited table)."""
    store = services.store
    with db_session:
        audits = store.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        digests = {}
        for table in AUDITED:
            rows = store.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            digests[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return int(audits), digests


def files_outside(root: Path, *allowed: Path) -> set[str]:
    """Files under ``root`` outside the ``allowed`` folders, the database's own files aside."""
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not any(a in p.parents for a in allowed) and ".sqlite" not in p.name}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A working directory, home and state directory of its own (files written by keys
    land here, the error log too)."""
    for name in ("home", "state", "work", "files"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZHTJ_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


async def start_at(pilot, where: str, services, demo) -> None:
    if where in ("first_run", "login"):
        return
    login = demo.logins[0 if where == "committee" else 2]  # the university's; a class branch's
    screen = pilot.app.screen
    screen.query_one("#field-login").value = login.mobile
    screen.query_one("#field-password").value = demo.password
    screen.query_one("#input-password").focus()
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("where", ["first_run", "login", "committee", "branch"])
async def test_random_keys_break_nothing(request, tui_settings, sandbox, where):
    # The demo (a copy of it) is in place before the database is opened.
    demo = request.getfixturevalue("small_demo") if where in ("committee", "branch") else None
    tui_services = request.getfixturevalue("tui_services")
    if where == "login":
        setup_admin(tui_services)
    settings = tui_settings.with_(files_dir=str(sandbox / "files"))
    seed = SEED + ["first_run", "login", "committee", "branch"].index(where)
    rng = random.Random(seed)
    sent: list[str] = []
    app = make_app(settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await start_at(pilot, where, tui_services, demo)
        before = data_state(tui_services)
        stream = key_stream(rng)
        for _ in range(KEYS):
            key = next(stream)
            sent.append(key)
            if key == "resize":
                await pilot.resize_terminal(*rng.choice(SIZES))
            else:
                await pilot.press(key)
            assert app.return_code is None and app.screen_stack, f"seed {seed}: stopped after {sent}"
        await settle(pilot, rounds=60)
        shown = " ".join(str(n.message) for n in app._notifications)
        assert "Traceback" not in shown, f"seed {seed}: {sent}"
    context = f"seed {seed}, keys {sent}"
    assert not (sandbox / "state" / "zhtj-error.log").exists(), context  # nothing unexpected happened
    after = data_state(tui_services)
    if after[0] == before[0]:
        assert after[1] == before[1], f"data changed without an audited action; {context}"
    assert tui_services.consistency.check().ok, context
    # The administrator's folder, and the program's own state (remembered preferences).
    assert files_outside(sandbox, sandbox / "files", sandbox / "state") == set(), context


def test_key_stream_is_reproducible():
    a = [k for k, _ in zip(key_stream(random.Random(7)), range(200), strict=False)]
    b = [k for k, _ in zip(key_stream(random.Random(7)), range(200), strict=False)]
    assert a == b and len(set(a)) > 30 and "resize" in a and "escape" in a

