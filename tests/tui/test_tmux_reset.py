"""The real ``zhtj`` in tmux at 80x24 (R-REG-7): a locked-out administrator is told who can
help, opens 忘记密码 with F3, types the account, the one-time reset code and the new
password as one burst, and logs in with the new password. The database is checked after."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, person, register_admin
from tests.tui.flows import setup_admin
from tests.tui.tmux import services_on, tmux_env, zhtj_in_tmux  # noqa: F401 - the fixture is used below
from zhtj_tui.domain.errors import DomainError

NEW_PASSWORD = "tmuxreset2026"


def test_reset_code_login_flow_in_tmux(tmp_path, tmux_env):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    with services_on(url, "tmux-reset") as services:
        top_id, who = setup_admin(services)
        me = services.accounts.login(who.mobile, PASSWORD).actor(top_id)
        college = services.orgs.create_child(me, top_id, "文学院团委", "团委").id
        session, admin = register_admin(services, services.codes.issue(me, college).code, person(name="文管理"))
        for _ in range(5):
            with pytest.raises(DomainError):
                services.accounts.login(admin.mobile, "wrongpass1")
        code = services.admins.issue_reset_code(me, college, session.account_id).code
    with zhtj_in_tmux(tmux_env, url) as tmux:
        tmux.log_in(admin.mobile)
        screen = tmux.wait_for("账号已锁定")
        flat = "".join(line.strip(" │") for line in screen.splitlines()).replace(" ", "")
        assert "“石河子大学团委”的管理员" in flat and "忘记密码" in flat, screen  # who can help
        tmux.keys("F3")
        tmux.wait_for("密码重置码")
        screen = tmux.wait_for("▸密码重置码")  # the account is carried over; the code has the focus
        assert admin.mobile in screen
        tmux.type(f"{code}\r{NEW_PASSWORD}\r{NEW_PASSWORD}\r")  # one burst, as over SSH
        screen = tmux.wait_for("新密码已设置")
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        tmux.wait_for("▸密码")
        tmux.type(f"{NEW_PASSWORD}\r")
        tmux.wait_for("文学院团委 下级组织录入进度")  # logged in: a committee's progress window (R-PROG-1)
        tmux.keys("Escape")
        tmux.wait_for("文管理")  # the management centre names them
    with services_on(url, "tmux-reset") as services:
        assert services.accounts.login(admin.mobile, NEW_PASSWORD).name == "文管理"
        with pytest.raises(DomainError) as info:
            services.accounts.redeem_reset_code(admin.mobile, code, "another2026x")
        assert info.value.code == "reset_none"  # used once
