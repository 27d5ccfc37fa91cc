"""The real ``zhtj`` in tmux at 80x24: Alt+1…6 reach each tab (tmux sends Esc+digit, as most
terminals do), one at a time and in a burst, also from inside an input without typing anything
there; the progress window goes down and up by Enter and Backspace; Esc from 注册管理员 returns
to the login field; the centre fits 80x24."""

from __future__ import annotations

import time

from tests.tui.tmux import services_on, tmux_env, zhtj_in_tmux  # noqa: F401 - the fixture


def test_tabs_by_alt_digit_and_the_progress_window_in_tmux(tmp_path, tmux_env):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    with services_on(url, "tmux-fluent") as services:
        demo = services.demo.load("small", 2018)
    with zhtj_in_tmux(tmux_env, url) as tmux:
        tmux.wait_for("▸账号")
        tmux.keys("F2")  # 注册管理员, then Esc: typing goes to the login field again
        tmux.wait_for("管理员注册码")
        tmux.keys("Escape")
        tmux.wait_for("▸账号")
        # Esc followed at once by a character is Alt+character to any terminal program; a
        # person's next key comes later than this.
        time.sleep(0.5)
        tmux.type(demo.logins[0].mobile)
        tmux.keys("Enter")
        tmux.wait_for("▸密码")
        tmux.type(demo.password)
        tmux.keys("Enter")
        screen = tmux.wait_for("无团支部1")  # the rows, not the key line, which shows before them
        assert "马克思主义学院团总支" in screen and "问题清单" in screen
        tmux.keys("Down", "Enter")  # 医学院团委: down inside the window
        screen = tmux.wait_for("石河子大学团委 / 医学院团委 下级组织录入进度")
        assert "临床医学专业2026级2班团支部" in screen
        tmux.keys("BSpace")
        tmux.wait_for("合计 组织35")
        tmux.keys("Escape")
        tmux.wait_for("管理中心")
        for key, text in (("M-4", "团员管理"), ("M-6", "历任"), ("M-5", "问题清单"), ("M-2", "注册码"),
                          ("M-1", "组织类别")):
            tmux.keys(key)
            tmux.wait_for(text)
        # In the 本组织 form an input has the focus: Alt+4 switches, typing nothing into it.
        tmux.keys("Tab")  # into the form
        tmux.keys("M-4")
        tmux.wait_for("团员管理")
        tmux.keys("M-1")
        tmux.wait_for("组织类别")
        # Several at once, as a stalled link delivers them: each is handled in its turn and
        # the last one chosen is the tab shown.
        tmux.keys("M-5", "M-6", "M-4", "M-2")
        tmux.wait_for("注册码")
        tmux.keys("M-6", "M-5", "M-1")
        screen = tmux.wait_for("组织类别")
        assert not any(ch in screen for ch in "¡™£¢∞§")
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
