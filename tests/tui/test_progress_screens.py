"""The progress window after login and the 录入进度 pane (R-PROG-1, R-PROG-3), driven by
the keyboard inside a small test App (the application shell is wired separately)."""

from __future__ import annotations

from datetime import date

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tests.conftest import make_settings
from tests.helpers import PASSWORD, person, register_admin
from tests.progress_tree import OP, build_tree
from zhtj_tui.screens.progress import ProgressModal, ProgressPane, ProgressView, progress_window_for
from zhtj_tui.services import Services


@pytest.fixture
def world(sqlite_url, clock):
    svc = Services.open(make_settings(sqlite_url, clock), client_key="test")
    tree = build_tree(svc)
    top = tree.actors["top"]
    svc.progress.create_task(top, tree.ids["top"], "2018级新生团支部建立", "cohort_branches", date(2026, 11, 9), 2018)
    svc.progress.create_task(top, tree.ids["top"], "全部团员信息录入", "members_entered", date(2026, 11, 15))
    clock.advance(days=9)  # 2026-11-10: the first task is overdue
    yield svc, tree
    svc.close()


class Host(App):
    """A bare app that pushes the modal (or mounts the pane) like the real shell would."""

    def __init__(self, make):
        super().__init__()
        self.animation_level = "none"
        self.make = make
        self.result = "not dismissed"
        self.chosen: list[int] = []

    async def on_mount(self) -> None:
        widget = self.make()
        if isinstance(widget, Screen):
            self.push_screen(widget, self._done)
        else:
            await self.mount(widget)
            widget.query_one(DataTable).focus()

    def _done(self, value) -> None:
        self.result = value

    def on_progress_pane_org_chosen(self, message: ProgressPane.OrgChosen) -> None:
        self.chosen.append(message.org_id)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def rows(screen) -> list[tuple[str, ...]]:
    table = screen.query_one(DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def task_texts(screen) -> str:
    from textual.widgets import OptionList

    options = screen.query_one(OptionList)
    return "\n".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


def login_actor(svc, who):
    session = svc.accounts.login(who.mobile, PASSWORD)
    role = session.roles[0]
    return session.actor(role.org_id), role.group


async def test_college_admin_gets_the_window_with_its_bars(world):
    # R-PROG-1: a college committee administrator logs in and sees its children's bars.
    svc, tree = world
    code = svc.codes.issue(OP, tree.ids["A"])
    _, who = register_admin(svc, code.code, person(name="赵老师"))
    actor, group = login_actor(svc, who)
    modal = progress_window_for(svc, actor, group)
    assert isinstance(modal, ProgressModal)
    app = Host(lambda: modal)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        got = rows(app.screen)
        # Worst first: A3 (no secretary, info, members), A2 (no admin), A1 (one 超龄); the
        # names are whole at 80 columns and each row names its problems by kind (R-PROG-2).
        assert [r[0] for r in got] == ["计算机专业2017级1班团支部", "计算机专业2018级2班团支部", "计算机专业2018级1班团支部"]
        assert got[0][1:] == ("█░░░  25%", "1", "0", "缺书记1 信息不全1 支部无团员1")
        assert got[1][1:] == ("███░  75%", "1", "1", "缺管理员1 支部不足3人1")
        assert got[2][1:] == ("████ 100%", "1", "3", "支部有超龄1")
        tasks = str(app.screen.query_one("#pv-tasks", Static).render())
        assert "2018级新生团支部建立  1/2  截止11-09  已逾期1天" in tasks
        assert "全部团员信息录入  2/3  截止11-15  剩余5天" in tasks
        # Enter on the second row dismisses with that child's id.
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.result == tree.ids["A2"]


async def test_escape_closes_the_window(world):
    svc, tree = world
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert [r[0] for r in rows(app.screen)] == ["外语学院团委", "计算机学院团委", "机关团支部"]
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


def test_branch_admin_gets_no_window(world):
    # R-PROG-1: a branch has nothing below it.
    svc, tree = world
    code = svc.codes.issue(OP, tree.ids["A2"])
    _, who = register_admin(svc, code.code, person(name="钱同学"))
    actor, group = login_actor(svc, who)
    assert group == "branch"
    assert progress_window_for(svc, actor, group) is None


async def test_pane_drills_down_and_back_by_keyboard(world):
    svc, tree = world
    app = Host(lambda: ProgressPane(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(ProgressPane)
        assert [r[0] for r in rows(pane)] == ["外语学院团委", "计算机学院团委", "机关团支部"]
        await pilot.press("enter")  # into 外语学院团委
        await settle(app, pilot)
        assert pane.trail == [tree.ids["top"], tree.ids["B"]]
        assert [r[0] for r in rows(pane)] == ["外语学院研究生团总支", "外语学院2017级团总支"]
        title = str(pane.query_one("#pv-title", Static).render())
        assert title == "大学团委 / 外语学院团委 下级组织录入进度"
        await pilot.press("down", "enter")  # into 外语学院2017级团总支
        await settle(app, pilot)
        assert [r[0] for r in rows(pane)] == ["英语专业2017级1班团支部"]
        await pilot.press("enter")  # a branch: nothing below, the centre may open it
        await settle(app, pilot)
        assert app.chosen == [tree.ids["B1a"]]
        await pilot.press("backspace")
        await settle(app, pilot)
        # Back up, the cursor is on the organisation we came from.
        assert pane.trail == [tree.ids["top"], tree.ids["B"]]
        assert pane.view.table.cursor_row == 1
        await pilot.press("backspace")
        await settle(app, pilot)
        assert pane.trail == [tree.ids["top"]]
        assert pane.view.table.cursor_row == 0
        assert [r[0] for r in rows(pane)] == ["外语学院团委", "计算机学院团委", "机关团支部"]
        await pilot.press("backspace")  # never above the starting organisation
        await settle(app, pilot)
        assert pane.trail == [tree.ids["top"]]


async def test_refusal_is_shown_not_raised(world):
    # §9: outside one's subtree the view says so, in Chinese, without a traceback.
    svc, tree = world
    app = Host(lambda: ProgressPane(svc, tree.actors["A"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        title = str(app.query_one(ProgressView).query_one("#pv-title", Static).render())
        assert title == "只能查看本组织及下级组织的信息"


async def test_task_details_list_what_is_missing(world):
    # R-PROG-3: what is still missing, with each organisation's path and the reason.
    svc, tree = world
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        text = task_texts(app.screen)
        assert "2018级新生团支部建立  1/2  截止11-09  已逾期1天" in text
        assert "· 大学团委 / 外语学院团委：尚未建立2018级团支部" in text
        assert "· 大学团委 / 计算机学院团委 / 计算机专业2018级2班团支部：没有管理员" in text
        assert "· 大学团委 / 计算机学院团委 / 计算机专业2017级1班团支部：尚未录入团员" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProgressModal)


def test_bars_and_task_lines():
    # R-PROG-3: an overdue task stands out (white on red); bars never look done when not.
    from zhtj_tui.screens.progress import bar, fit, task_text
    from zhtj_tui.services.progress import TaskView

    assert bar(0.0).plain == "░░░░   0%" and bar(1.0).plain == "████ 100%"
    assert bar(0.01).plain == "█░░░   1%" and bar(0.99).plain == "███░  99%"
    assert fit("计算机学院团委") == "计算机学院团委" and fit("一" * 30) == "一" * 10 + "…"
    late = TaskView(1, 1, "大学团委", "团员录入", "members_entered", "", None, date(2026, 11, 15),
                    3, 5, False, True, -2, 2)
    text = task_text(late)
    assert "已逾期2天" in text.plain
    assert any(str(s.style) == "bold white on red" and "已逾期" in text.plain[s.start:s.end] for s in text.spans)
    done = TaskView(2, 1, "大学团委", "团员录入", "members_entered", "", None, date(2026, 11, 15),
                    5, 5, True, False, -2, 0)
    assert task_text(done).plain.startswith("✓ ") and "已完成" in task_text(done).plain


async def test_committee_admin_sets_edits_and_deletes_a_task(world):
    # R-PROG-3: a committee administrator defines tasks for its subtree, by keyboard.
    from zhtj_tui.screens.progress import TasksScreen

    svc, tree = world
    app = Host(lambda: ProgressPane(svc, tree.actors["A"], tree.ids["A"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, TasksScreen)
        # The university's task cannot be changed from the college.
        await pilot.press("e")
        await pilot.pause()
        status = str(app.screen.query_one("#ts-status", Static).render())
        assert status == "该任务由大学团委设置，只能由大学团委的管理员修改或删除"
        await pilot.press("n")
        await pilot.pause()
        for ch in "学院新生支部":
            await pilot.press(ch)
        await pilot.press("tab", "tab", "tab")  # kind -> cohort -> due
        await pilot.press(*"2026-11-3x", "enter")
        await pilot.pause()
        assert str(app.screen.query_one("#tf-error", Static).render()) == "截止日期应写成 YYYY-MM-DD，例如 2026-11-15"
        await pilot.press("backspace", "backspace", "1", "2", "ctrl+s")
        await settle(app, pilot)
        # The service refused: a branch-building task needs a cohort (kind left as default).
        assert "须指定入学年级" in str(app.screen.query_one("#tf-error", Static).render())
        app.screen.query_one("#cohort").focus()
        await pilot.press(*"2018", "ctrl+s")
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, TasksScreen)
        text = task_texts(app.screen)
        assert "学院新生支部  1/2  截止11-12" in text
        names = [t.name for t in svc.progress.tasks(tree.actors["A"], tree.ids["A"])]
        assert names == ["2018级新生团支部建立", "学院新生支部", "全部团员信息录入"]
        # Delete it (second in the list), confirming with y.
        await pilot.press("down", "d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        await settle(app, pilot)
        names = [t.name for t in svc.progress.tasks(tree.actors["A"], tree.ids["A"])]
        assert names == ["2018级新生团支部建立", "全部团员信息录入"]
    actions = [e.action for e in svc.audit.recent(OP, tree.ids["A"], action_prefix="task.")]
    assert actions == ["task.delete", "task.create"]


class LoginHost(App):
    """Stands in for the application: ``services``, ``open_org`` and an after-login step."""

    def __init__(self, svc, session, role):
        super().__init__()
        self.animation_level = "none"
        self.services = svc
        self.session, self.role = session, role
        self.opened: list[int] = []

    def on_mount(self) -> None:
        from zhtj_tui.screens.progress import after_login

        after_login(self, self.session, self.role)

    def open_org(self, org_id: int) -> None:
        self.opened.append(org_id)


async def test_after_login_hook_opens_the_chosen_child(world):
    # R-PROG-1: right after a college committee administrator logs in; Enter opens a child.
    svc, tree = world
    code = svc.codes.issue(OP, tree.ids["A"])
    _, who = register_admin(svc, code.code, person(name="孙老师"))
    session = svc.accounts.login(who.mobile, PASSWORD)
    app = LoginHost(svc, session, session.roles[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressModal)
        assert [r[4] for r in rows(app.screen)] == ["缺书记1 信息不全1 支部无团员1", "缺管理员1 支部不足3人1", "支部有超龄1"]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ProgressModal)
    assert app.opened == [tree.ids["A3"]]


async def test_after_login_hook_skips_branch_admins(world):
    svc, tree = world
    code = svc.codes.issue(OP, tree.ids["A2"])
    _, who = register_admin(svc, code.code, person(name="周同学"))
    session = svc.accounts.login(who.mobile, PASSWORD)
    app = LoginHost(svc, session, session.roles[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert len(app.screen_stack) == 1 and not isinstance(app.screen, ProgressModal)


async def test_pane_follows_the_centre_selection(world):
    # The centre's pane protocol: shown for committees, not branches; follows the selection.
    svc, tree = world
    top = tree.actors["top"]
    assert ProgressPane.applies_to(svc.orgs.get(top, tree.ids["A"]), top)
    assert not ProgressPane.applies_to(svc.orgs.get(top, tree.ids["C"]), top)
    app = Host(lambda: ProgressPane(svc, top, tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(ProgressPane)
        pane.org_changed(svc.orgs.get(top, tree.ids["A"]))
        await settle(app, pilot)
        assert [r[0] for r in rows(pane)] == ["计算机专业2017级1班团支部", "计算机专业2018级2班团支部", "计算机专业2018级1班团支部"]
        assert pane.trail == [tree.ids["A"]]
        await pilot.press("backspace")  # the selected organisation is the top of the drill-down
        await settle(app, pilot)
        assert pane.trail == [tree.ids["A"]]


async def test_window_drills_down_and_up_and_opens_a_problem(world):
    # R-PROG-1, R-PROG-2: Enter goes down inside the window (not to the centre), Backspace
    # back up with the cursor where it was; the problem list of the subtree (as zhtj check)
    # opens the organisation of the problem chosen.
    svc, tree = world
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(ProgressView)
        assert [r[0] for r in rows(app.screen)] == ["外语学院团委", "计算机学院团委", "机关团支部"]
        await pilot.press("down", "enter")  # into 计算机学院团委
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressModal) and app.result == "not dismissed"
        assert view.trail == [tree.ids["top"], tree.ids["A"]]
        assert [r[0] for r in rows(app.screen)][0] == "计算机专业2017级1班团支部"
        heading = str(view.query_one("#pv-problems-title", Static).render())
        assert heading.startswith("问题清单：4个错误 2个警告")
        await pilot.press("backspace")
        await settle(app, pilot)
        assert view.trail == [tree.ids["top"]] and view.table.cursor_row == 1
        await pilot.press("tab")  # to the problem list: the first is B2's 无团支部
        assert app.focused is view.problem_list
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == tree.ids["B2"]


async def test_window_o_opens_the_row_and_enter_on_a_branch_opens_it(world):
    svc, tree = world
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("o")  # the committee under the cursor, in the centre
        await pilot.pause()
    assert app.result == tree.ids["B"]
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "down", "enter")  # 机关团支部: nothing below, it is opened
        await pilot.pause()
    assert app.result == tree.ids["C"]
