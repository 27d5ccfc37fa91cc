"""The real ``zhtj`` command in a real terminal (tmux, 80x24): log in and create one child
by keyboard, read the screen with capture-pane, then check the database via services."""

from __future__ import annotations

from tests.helpers import PASSWORD
from tests.tui.flows import setup_admin
from tests.tui.tmux import services_on, tmux_env, zhtj_in_tmux  # noqa: F401 - the fixture


def test_login_and_create_child_in_tmux(tmp_path, tmux_env):  # noqa: F811
    """R-REG-5 login and R-SUB-1 creation through the real command at 80x24."""
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    with services_on(url) as services:
        top_id, who = setup_admin(services)
    with zhtj_in_tmux(tmux_env, url) as tmux:
        tmux.wait_for("▸账号")  # the login field has the focus
        tmux.type(who.mobile)
        tmux.wait_for(who.mobile)
        tmux.keys("Enter")  # Enter moves to the next field
        tmux.wait_for("▸密码")
        tmux.type(PASSWORD)
        tmux.wait_for("•" * len(PASSWORD))
        tmux.keys("Enter")
        # R-PROG-1: a committee administrator first sees the progress window; Esc closes it.
        tmux.wait_for("下级组织录入进度")
        tmux.keys("Escape")
        screen = tmux.wait_for(who.name)
        assert "管理中心" in screen and "下级组织录入进度" not in screen
        assert who.name in screen and "石河子大学团委" in screen
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        tmux.keys("Tab")  # from the tree to the tabs
        tmux.wait_for("本组织信息")
        tmux.keys("Right")
        tmux.keys("Right")
        tmux.wait_for("单个创建直属下级组织")
        tmux.keys("F5")  # into the pane: the 简称 field
        tmux.wait_for("▸组织简称")
        tmux.type("师范学院团委")
        tmux.wait_for("符合命名规则")
        tmux.keys("C-s")
        screen = tmux.wait_for("本次已创建 1 个")
        assert "师范学院团委" in screen
    with services_on(url) as services:
        session = services.accounts.login(who.mobile, PASSWORD)
        rows = services.orgs.list_children(session.actor(top_id), top_id).items
        assert [(r.short_name, r.category_name) for r in rows] == [("师范学院团委", "团委")]


def test_login_typed_ahead_in_one_burst(tmp_path, tmux_env):  # noqa: F811
    """Over SSH the account, Enter, the password and Enter may arrive as one burst: each
    lands in its own field and the login goes through (FieldInput's priority Enter)."""
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    with services_on(url) as services:
        _, who = setup_admin(services)
    with zhtj_in_tmux(tmux_env, url) as tmux:
        tmux.log_in(who.mobile)
        screen = tmux.wait_for("下级组织录入进度")  # logged in: the progress window of a committee
        assert "账号或密码不正确" not in screen
