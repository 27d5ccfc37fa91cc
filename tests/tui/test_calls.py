"""How background work reports back (DESIGN rule 3, widgets/calls.py): a service call's
outcome comes back as a typed ``ServiceDone`` message to the screen that made it; a read
marked ``latest_only`` shows only its newest outcome; a refusal, a failure and a handler
that itself fails each take their one path (error log without the message, Chinese
notification, ``on_failed``) instead of ending the program or vanishing."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.worker import WorkerState

from tests.tui.conftest import settle
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.widgets.calls import ServiceCaller, ServiceDone, run_service


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


class Page(ServiceCaller, Screen):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[ServiceDone] = []

    def compose(self) -> ComposeResult:
        yield Static("page", id="inner")

    def _on_service_done(self, message: ServiceDone) -> None:
        self.seen.append(message)  # ServiceCaller's handler runs too (Textual calls each class's)


class Dialog(ServiceCaller, ModalScreen):
    def compose(self) -> ComposeResult:
        yield Static("dialog")


class Host(ServiceCaller, App):
    def on_mount(self) -> None:
        self.push_screen(Page())


async def _finished(pilot, worker) -> None:
    for _ in range(200):
        if worker.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        await pilot.pause(0.01)
    raise AssertionError(f"worker still {worker.state}")


async def test_outcome_is_a_typed_message_to_the_caller():
    async with Host().run_test() as pilot:
        page = pilot.app.screen
        got: list[object] = []
        inner = page.query_one("#inner")
        worker = run_service(inner, lambda: {"n": 3}, got.append, group="read")
        await settle(pilot)
        assert got == [{"n": 3}]
        assert len(page.seen) == 1  # a widget's call is answered through its screen
        done = page.seen[0]
        assert done.ok and done.value == {"n": 3} and done.group == "read" and done.worker is worker


async def test_refusal_and_failure_take_their_own_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    async with Host().run_test() as pilot:
        page = pilot.app.screen
        errors: list[str] = []
        failed: list[BaseException] = []

        def refuse():
            raise DomainError("这个编号已被使用", code="X")

        def crash():
            raise OSError("disk full")

        run_service(page, refuse, lambda _v: errors.append("ok?"), lambda exc: errors.append(exc.message), group="a")
        run_service(page, crash, lambda _v: failed.append(None), on_failed=failed.append, group="b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert errors == ["这个编号已被使用"]
        assert len(failed) == 1 and isinstance(failed[0], OSError)
        notes = [n.message for n in pilot.app._notifications]
        assert any("操作没有完成" in note for note in notes)


async def test_latest_only_shows_the_newest_outcome_waiting_in_the_queue():
    async with Host().run_test() as pilot:
        page = pilot.app.screen
        shown: list[int] = []
        handlers = (shown.append, None, None)
        older = ServiceDone("search", None, True, 1, handlers, page, latest_only=True)
        newer = ServiceDone("search", None, True, 2, handlers, page, latest_only=True)
        other = ServiceDone("save", None, True, 3, handlers, page)
        later = ServiceDone("save", None, True, 4, handlers, page)
        for message in (older, newer, other, later):  # all queued before the screen looks
            page.post_message(message)
        await pilot.pause()
        await pilot.pause()
        assert shown == [2, 3, 4]  # a save's outcome is never dropped, a stale search's is


async def test_a_dialog_closed_while_its_call_runs_leaves_nothing_waiting():
    """Leaving a dialog cancels its call (Textual cancels a removed node's workers): the
    answer is dropped with the dialog, no handler runs on a closed screen."""
    async with Host().run_test() as pilot:
        dialog = Dialog()
        await pilot.app.push_screen(dialog)
        gate = threading.Event()
        threads: list[threading.Thread] = []
        got: list[str] = []

        def slow() -> str:
            threads.append(threading.current_thread())
            gate.wait(5)
            return "read"

        worker = run_service(dialog, slow, got.append, group="read")
        for _ in range(100):
            if threads:
                break
            await pilot.pause(0.01)
        pilot.app.pop_screen()
        await pilot.pause()
        assert not dialog.is_attached
        gate.set()
        await _finished(pilot, worker)
        await pilot.pause()
        assert worker.state == WorkerState.CANCELLED and got == []


async def test_a_screen_pushed_by_a_handler_answers_even_when_the_caller_is_gone():
    """The handlers act for the App: a dialog pushed from a login screen's handler still
    reports its answer after the login screen was replaced (the window after login)."""
    async with Host().run_test() as pilot:
        first = pilot.app.screen
        answers: list[str] = []

        def ask(_value: object) -> None:
            pilot.app.push_screen(Dialog(), answers.append)

        run_service(first, lambda: None, ask, group="login")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, Dialog)
        pilot.app.pop_screen()
        await pilot.app.switch_screen(Page())  # the screen that asked is gone
        await pilot.app.push_screen(dialog := Dialog())
        pilot.app.push_screen(Dialog(), answers.append)  # noqa: F841 - context for the check below
        await pilot.pause()
        pilot.app.screen.dismiss("kept")
        await settle(pilot)
        assert answers == ["kept"]


async def test_settle_waits_past_a_worker_cancelled_while_it_waits():
    # The tests' wait: a read replaced by a newer one (an exclusive worker group) ends
    # cancelled while ``settle`` waits for it; the wait goes on to the newer one.
    release = threading.Event()
    app = _Host()
    async with app.run_test() as pilot:
        first = app.run_worker(lambda: release.wait(30), thread=True, group="read", exclusive=True)

        def replace() -> None:
            app.run_worker(lambda: 7, thread=True, group="read", exclusive=True)
            release.set()

        app.set_timer(0.1, replace)
        await settle(pilot)
        assert first.state is WorkerState.CANCELLED
        assert not any(w.is_running for w in app.workers)
