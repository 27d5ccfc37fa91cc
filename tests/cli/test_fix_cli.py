"""``zhtj org move/delete`` (R-TREE-6) and ``zhtj account unlock/reset`` (R-REG-7), run
in-process on both backends: what they print, what they refuse, what they change."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_settings
from tests.helpers import PASSWORD, person, register_admin
from tests.member_helpers import member_values
from zhtj_tui.cli import main
from zhtj_tui.config import utc_now
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()


@pytest.fixture
def world(db_url):
    # The real clock: the command itself runs on it (a lock must still hold there).
    svc = Services.open(make_settings(db_url).with_(clock=utc_now), client_key="cli-fix")
    top = svc.orgs.create_top(OP, "命令大学团委", "团委")
    a = svc.orgs.create_child(OP, top.id, "文学院团委", "团委")
    b = svc.orgs.create_child(OP, top.id, "理学院团委", "团委")
    br = svc.orgs.create_child(OP, a.id, "数学专业2020级1班团支部", "团支部")
    svc.members.add(OP, br.id, member_values())
    session, who = register_admin(svc, svc.codes.issue(OP, br.id).code, person(name="支部管理"))
    yield svc, {"top": top.id, "a": a.id, "b": b.id, "br": br.id}, who, db_url
    svc.close()


def run(capsys, db_url, *args):
    rc = main(["--db", db_url, *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_org_move_and_delete(world, capsys):
    # R-TREE-6 through the command line: by name, with a reason; refusals in one line.
    svc, ids, _, url = world
    rc, out, err = run(capsys, url, "org", "move", "数学专业2020级1班团支部", "--to", "理学院团委", "--reason", "隶属关系错误")
    assert (rc, err) == (0, ""), err
    assert "命令大学团委 / 理学院团委 / 数学专业2020级1班团支部" in out and "团员 1 名" in out
    assert svc.orgs.get(OP, ids["br"]).parent_id == ids["b"]
    assert svc.audit.recent(OP, ids["br"], action_prefix="org.move")[0].note == "隶属关系错误"
    rc, out, err = run(capsys, url, "org", "move", str(ids["a"]), "--to", str(ids["br"]), "--reason", "x")
    assert rc == 2 and out == "" and err.startswith("错误：") and "团支部" in err and len(err.strip().splitlines()) == 1
    rc, out, err = run(capsys, url, "org", "delete", "理学院团委", "--reason", "误建")
    assert rc == 2 and "1 个下级组织" in err
    rc, out, err = run(capsys, url, "org", "delete", "文学院团委", "--reason", "误建")
    assert (rc, err) == (0, "") and "已删除：文学院团委" in out
    rc, out, err = run(capsys, url, "org", "delete", "命令大学团委", "--reason", "误建")
    assert rc == 2 and "顶级组织不能删除" in err
    with pytest.raises(SystemExit) as info:
        main(["--db", url, "org", "move", "理学院团委", "--to", "命令大学团委"])  # no --reason
    assert info.value.code == 2
    assert "错误：" in capsys.readouterr().err


def test_account_unlock_and_reset(world, capsys):
    # R-REG-7: the server operator unlocks and resets any account by mobile or ID number.
    svc, _, who, url = world
    for _ in range(5):
        with pytest.raises(DomainError):
            svc.accounts.login(who.mobile, "wrongpass1")
    rc, out, err = run(capsys, url, "account", "unlock", who.mobile)
    assert (rc, err) == (0, "") and "已解除 支部管理" in out
    assert svc.accounts.login(who.mobile, PASSWORD).name == "支部管理"
    rc, out, err = run(capsys, url, "account", "reset", who.id_number)
    assert (rc, err) == (0, "")
    code = re.search(r"密码重置码：([0-9A-Za-z]{8})$", out, re.M).group(1)
    assert "有效期至" in out and "忘记密码" in out
    svc.accounts.redeem_reset_code(who.mobile, code, "brandnew2026")
    assert svc.accounts.login(who.mobile, "brandnew2026").name == "支部管理"
    rc, out, err = run(capsys, url, "account", "unlock", "13800000000")
    assert rc == 2 and "找不到" in err and "13800000000" not in err  # the number said back masked


def test_check_lists_an_org_whose_administrator_was_deactivated(world, capsys):
    # R-REG-6: only active administrators count; `zhtj check` lists the organisation again.
    svc, ids, who, url = world
    acc = svc.accounts.resolve_account(who.mobile)
    _, before, _ = run(capsys, url, "check", "--json")
    svc.admins.deactivate(OP, ids["br"], acc, "调离")
    rc, out, err = run(capsys, url, "check", "--json")
    assert rc == 1

    def no_admin(text):
        data = json.loads(text)
        return {p["org_id"] for p in data["problems"] if p["kind"] == "no_admin"}

    assert ids["br"] not in no_admin(before) and ids["br"] in no_admin(out)
