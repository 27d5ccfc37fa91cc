"""R-MEM-1/2 in a real terminal: the real ``zhtj`` in tmux at 80x24, a class of 20 members
typed ahead, each member as ONE ``tmux send-keys`` (name to Ctrl+S, with Backspace runs,
Ctrl+U, Shift+Tab corrections, Left/Delete, kept values), sent one after the other without
waiting for the saves. The database must then hold exactly the intended members."""

from __future__ import annotations

from tests.entry_roster import intended, roster, stored, to_tmux, typed_keys
from tests.helpers import PASSWORD, admin_of, person
from tests.tui.tmux import services_on, tmux_env, zhtj_in_tmux  # noqa: F401 - the fixture
from zhtj_tui.services.dto import Actor

MEMBERS = 20


def _setup(url: str):
    """A branch of a college and its administrator; returns the branch's id and who."""
    with services_on(url, "tmux-entry") as services:
        op = Actor.server_operator()
        top = services.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
        college = services.orgs.create_child(op, top.id, "数学学院团委", "团委")
        branch = services.orgs.create_child(op, college.id, "数学专业2023级1班团支部", "团支部")
        who = person(name="唐可萍")
        admin_of(services, branch.id, who)
    return branch.id, who


def test_a_class_typed_ahead_member_by_member_in_tmux(tmp_path, tmux_env):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    branch_id, who = _setup(url)
    members = roster(MEMBERS, seed=20)
    with zhtj_in_tmux(tmux_env, url) as tmux:
        tmux.log_in(who.mobile)
        screen = tmux.wait_for("团员管理 ·")  # a branch administrator's centre opens on 团员
        tmux.keys("n")
        tmux.wait_for("本次已保存 0 人")
        for keys in typed_keys(members):
            tmux.keys(*to_tmux(keys))  # one burst per member, no waiting in between
        screen = tmux.wait_for(f"本次已保存 {MEMBERS} 人", timeout=60)
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        tmux.keys("Escape")  # nothing typed: back to the list at once
        tmux.wait_for(f"共 {MEMBERS} 人")
    with services_on(url, "tmux-entry") as services:
        session = services.accounts.login(who.mobile, PASSWORD)
        assert stored(services, session.actor(branch_id), branch_id) == intended(services, members)
