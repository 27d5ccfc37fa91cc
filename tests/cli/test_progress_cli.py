"""``zhtj progress`` and ``zhtj check`` for the server operator (R-PROG-4)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import make_settings
from tests.helpers import admin_of
from tests.progress_tree import OP, add_member, build_tree, fill
from zhtj_tui.cli import main
from zhtj_tui.services import Services


@pytest.fixture
def tree_db(sqlite_url):
    svc = Services.open(make_settings(sqlite_url), client_key="test")
    tree = build_tree(svc)
    svc.progress.create_task(tree.actors["top"], tree.ids["top"], "2018级新生团支部建立", "cohort_branches",
                             date(2026, 11, 9), 2018)
    svc.close()
    return sqlite_url, tree


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_progress_table(capsys, tree_db):
    url, _ = tree_db
    code, out, _ = run(capsys, "--db", url, "progress")
    assert code == 0
    lines = out.splitlines()
    assert "大学团委 下级组织录入进度" in lines[0]
    rows = [ln for ln in lines if ln.startswith("│")]
    # Worst first, then this level and the whole subtree.
    assert [r.split("│")[1].strip() for r in rows] == ["外语学院团委", "计算机学院团委", "机关团支部", "本级", "合计"]
    assert [c.strip() for c in rows[-1].split("│")[3:9]] == ["11", "6/11 55%", "6/11 55%", "6/11 55%", "5", "4/5 80%"]
    # Columns line up in terminal cells although names are Chinese (double width).
    from rich.cells import cell_len
    assert len({cell_len(r) for r in rows}) == 1
    assert "2018级新生团支部建立（截止 2026-11-09，已逾期）：1/2，待办 4 项" in out


def test_progress_is_readable_at_80_columns(capsys, tree_db):
    # R-PROG-4 in an 80-column terminal: a narrow table, then each child's problems by kind.
    from rich.cells import cell_len

    url, _ = tree_db
    code, out, _ = run(capsys, "--db", url, "progress", "--width", "80")
    assert code == 0
    lines = out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), [line for line in lines if cell_len(line) > 80]
    head = next(line for line in lines if line.startswith("组织"))
    assert head.split() == ["组织", "组织数", "信息", "书记", "管理员", "团支部", "有团员", "团员", "超龄"]
    total = next(line for line in lines if line.startswith("合计")).split()
    assert total[:8] == ["合计", "11", "55%", "55%", "55%", "5", "80%", "10"]  # 超龄 depends on today
    assert any(line.startswith("  外语学院团委：无团支部2 隶属错误1 缺书记4 缺管理员4 信息不全4 支部不足3人1")
               for line in lines), lines
    assert not any(line.startswith("  机关团支部：") for line in lines)  # nothing to say


def test_progress_json_shape(capsys, tree_db):
    url, tree = tree_db
    code, out, _ = run(capsys, "--db", url, "progress", "计算机学院团委", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"org", "today", "children", "own", "total", "tasks"}
    assert data["org"] == {"id": tree.ids["A"], "name": "计算机学院团委", "category": "团委",
                           "path": ["大学团委", "计算机学院团委"]}
    assert [c["name"] for c in data["children"]] == [
        "计算机专业2017级1班团支部", "计算机专业2018级2班团支部", "计算机专业2018级1班团支部"]
    first = data["children"][0]
    assert first["figures"] == {"orgs": 1, "info_complete": 0, "secretaries": 0, "with_admin": 1, "branches": 1,
                                "branches_with_members": 0, "members": 0, "over_age": 0}
    assert (first["info_complete"], first["has_secretary"], first["has_admin"]) == (False, False, True)
    assert first["problems"] == {"no_secretary": 1, "info_incomplete": 1, "branch_no_members": 1}
    assert data["total"]["orgs"] == 4 and data["total"]["members"] == 4
    task = data["tasks"][0]
    assert (task["done"], task["total"], task["complete"], task["overdue"], task["set_by"]) == (1, 2, False, True, "大学团委")
    assert task["missing"] == [{"id": tree.ids["A2"], "name": "计算机专业2018级2班团支部",
                                "path": ["大学团委", "计算机学院团委", "计算机专业2018级2班团支部"], "reason": "没有管理员"}]


def test_progress_xlsx(capsys, tree_db, tmp_path):
    url, _ = tree_db
    target = tmp_path / "进度.xlsx"
    code, out, _ = run(capsys, "--db", url, "progress", "--xlsx", str(target))
    assert code == 0 and "已写入" in out
    ws = load_workbook(target).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:3] == ("组织", "类别", "组织数")
    assert [r[0] for r in rows[2:]] == ["外语学院团委", "计算机学院团委", "机关团支部", "本级", "合计"]
    assert rows[-1][2] == 11


def test_check_lists_problems_and_exits_1(capsys, tree_db):
    url, _ = tree_db
    code, out, _ = run(capsys, "--db", url, "check", "--limit", "1")
    assert code == 1
    assert out.splitlines()[0] == "大学团委：19 个错误，4 个警告"
    assert "【警告】团支部有超龄团员（满28周岁）（2）" in out  # R-MEM-5
    assert "【错误】未录入书记信息（5）" in out and "  …… 另有 4 个（用 --limit 调整列出的条数）" in out
    code, out, _ = run(capsys, "--db", url, "check", "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["total"], data["errors"], data["warnings"]) == (23, 19, 4)
    assert data["counts"]["no_secretary"] == 5 and len(data["problems"]) == 23
    p = data["problems"][0]
    assert set(p) == {"kind", "title", "severity", "org_id", "org", "path", "detail"}
    assert (p["kind"], p["severity"], p["org"]) == ("no_branch", "错误", "外语学院研究生团总支")


def test_check_clean_tree_exits_0(capsys, sqlite_url):
    svc = Services.open(make_settings(sqlite_url), client_key="test")
    top = svc.orgs.create_top(OP, "机关团委", "团委")
    branch = svc.orgs.create_child(OP, top.id, "办公室团支部", "团支部")
    for org in (top, branch):
        admin_of(svc, org.id)
        fill(svc, OP, org.id)
    for _ in range(3):
        add_member(svc, branch.id)
    svc.close()
    code, out, _ = run(capsys, "--db", sqlite_url, "check")
    assert (code, out) == (0, "机关团委：未发现问题\n")
    code, out, _ = run(capsys, "--db", sqlite_url, "check", "--json")
    assert code == 0 and json.loads(out)["problems"] == []


def test_unknown_org_and_empty_database(capsys, tree_db, tmp_path):
    url, _ = tree_db
    code, _, err = run(capsys, "--db", url, "progress", "不存在团委")
    assert code == 2 and "找不到组织" in err
    code, _, err = run(capsys, "--db", str(tmp_path / "empty.sqlite"), "check")
    assert code == 2 and "zhtj init" in err


# R-PROG-4, R-INFO-4: every stored derived value recomputed; exit 1 on any mismatch
def test_check_consistency(capsys, tree_db):
    url, tree = tree_db
    code, out, _ = run(capsys, "--db", url, "check", "--consistency")
    assert code == 0, out
    assert "数据一致" in out and "未发现不一致" in out
    svc = Services.open(make_settings(url), client_key="test")
    try:
        from pony.orm import db_session

        with db_session:
            svc.store.execute("UPDATE org SET info_complete = NOT info_complete WHERE id = $i", {"i": tree.ids["A1"]})
            svc.store.execute("UPDATE member SET path = '/1/' WHERE id = (SELECT min(id) FROM member)")
    finally:
        svc.close()
    code, out, _ = run(capsys, "--db", url, "check", "--consistency")
    assert code == 1
    assert "【组织信息完整标记】1 处" in out and "info_complete" in out
    assert "path：存储值 '/1/'" in out
    code, out, _ = run(capsys, "--db", url, "check", "--consistency", "--json")
    data = json.loads(out)
    assert code == 1 and not data["ok"]
    found = {(m["table"], m["column"]) for m in data["mismatches"]}
    # The flag, the member's path, and the per-organisation counts that copy the flag.
    assert {("org", "info_complete"), ("member", "path"), ("org_tally", "info")} <= found
    assert {t for t, _ in found} == {"org", "member", "org_tally"}
    assert data["counts"]["org_info_complete"] == 1 and data["counts"]["member_derived"] == 1
