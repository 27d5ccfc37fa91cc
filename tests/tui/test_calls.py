"""How background work reports back (DESIGN rule 3, widgets/calls.py): a handler that
itself fails takes the one failure path (error log without the message, Chinese
notification, ``on_failed``) instead of ending the program or vanishing."""

from __future__ import annotations

from textual.app import App

from tests.tui.conftest import settle
from zhtj_tui.widgets.calls import run_service


class _Host(App):
    pass


async def test_a_failing_handler_is_reported_and_the_form_leaves_its_busy_state(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHTJ_STATE_DIR", str(tmp_path))
    failed: list[BaseException] = []
    typed = "".join(["110101", "20000101", "1234"])

    def broken(value: int) -> None:
        raise KeyError(typed)  # the message may hold typed data

    app = _Host()
    async with app.run_test() as pilot:
        run_service(app, lambda: 1, broken, on_failed=failed.append)
        await settle(pilot)
        assert app.is_running
        assert [type(e) for e in failed] == [KeyError]
        notes = [n.message for n in app._notifications]
        assert any("操作没有完成" in m for m in notes), notes
    log = (tmp_path / "zhtj-error.log").read_text(encoding="utf-8")
    assert "KeyError" in log and typed not in log
