"""Background calls of the deadline-task screens fail like every background call of the
interface (DESIGN rule 5): a Chinese message, the traceback in the error log, the screen
and the typed data kept. Defect: deleting a task could end the whole program."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from tests.tui import test_progress_screens
from tests.tui.test_progress_screens import Host, settle
from zhtj_tui.screens.progress import ProgressModal, TasksScreen

world = test_progress_screens.world  # the same tree and tasks


@pytest.fixture
def error_log(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHTJ_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state" / "zhtj-error.log"


SECRET = "110105200005170012 typed by someone"


def _boom(*args, **kwargs):
    raise RuntimeError(SECRET)


async def _open_tasks(app, pilot):
    await settle(app, pilot)
    await pilot.press("t")
    await settle(app, pilot)
    assert isinstance(app.screen, TasksScreen)


# R-PROG-3 (the task screen), DESIGN rule 5
async def test_r_prog_3_deleting_a_task_that_fails_keeps_the_program(world, error_log, monkeypatch):
    svc, tree = world
    monkeypatch.setattr(svc.progress, "delete_task", _boom)
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tasks(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, TasksScreen)
        status = str(app.screen.query_one("#ts-status", Static).render())
        assert "操作没有完成" in status and "RuntimeError" in status
    text = error_log.read_text("utf-8")
    assert "RuntimeError" in text and "_boom" in text  # the traceback, down to the failing call
    assert SECRET not in text  # not the message: it may hold typed data
    # Nothing was deleted.
    assert len(svc.progress.tasks(tree.actors["top"], tree.ids["top"])) == 2


# R-PROG-3, DESIGN rule 5
async def test_r_prog_3_saving_a_task_that_fails_keeps_the_form(world, error_log, monkeypatch):
    svc, tree = world
    monkeypatch.setattr(svc.progress, "create_task", _boom)
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tasks(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        for ch in "学院新生支部":
            await pilot.press(ch)
        await pilot.press("tab", "tab", "tab", *"2026-11-12", "ctrl+s")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.is_running and app.return_code is None
        form = app.screen
        assert type(form).__name__ == "TaskForm"
        assert form.query_one("#name", Input).value == "学院新生支部"
        assert form.query_one("#due", Input).value == "2026-11-12"
        assert "操作没有完成" in str(form.query_one("#tf-error", Static).render())
    assert "RuntimeError" in error_log.read_text("utf-8")


# R-PROG-3, DESIGN rule 5
async def test_r_prog_3_reading_tasks_that_fails_says_so(world, error_log, monkeypatch):
    svc, tree = world
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(svc.progress, "tasks", _boom)
        await pilot.press("t")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, TasksScreen)
        assert "操作没有完成" in str(app.screen.query_one("#ts-status", Static).render())
    assert "RuntimeError" in error_log.read_text("utf-8")


# R-PROG-3 (item 12): the notice's third deadline, 完善组织树, in the task screen and form
async def test_r_prog_3_tree_task_in_the_task_screen(world):
    from datetime import date

    from textual.widgets import Select

    svc, tree = world
    svc.progress.create_task(tree.actors["top"], tree.ids["top"], "进一步完善组织树", "tree_complete",
                             date(2026, 11, 15))
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tasks(app, pilot)
        text = "\n".join(str(app.screen.query_one("#ts-list").get_option_at_index(i).prompt)
                         for i in range(app.screen.query_one("#ts-list").option_count))
        assert "进一步完善组织树" in text and "完善组织树（每个组织有书记和管理员" in text
        assert "下面没有团支部" in text or "没有管理员" in text
        await pilot.press("n")
        await pilot.pause()
        kind = app.screen.query_one("#kind", Select)
        kind.value = "tree_complete"  # refused by the Select unless it is one of its options
        assert kind.value == "tree_complete"
