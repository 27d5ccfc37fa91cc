"""批量创建下级组织 (R-SUB-2) on both backends: the preview's exact per-row outcomes, one
transaction, re-uploading never duplicates, the template's drop-down, nothing written on refusal."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pony.orm import count, db_session

from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, write_xlsx
from tests.helpers import admin_of
from zhtj_tui.domain.errors import DomainError, Forbidden
from zhtj_tui.domain.orgs import category
from zhtj_tui.excel.refused import FileRefused
from zhtj_tui.excel.templates import write_org_template
from zhtj_tui.services.dto import CREATE, CREATED, ERROR, EXISTS, Actor

OP = Actor.server_operator()


@pytest.fixture
def tree(svc):
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委", "石河子大学共青团委员会")
    me = admin_of(svc, top.id)
    other = svc.orgs.create_child(me, top.id, "医学院团委", "团委", "石河子大学医学院团委")
    return top, me, other


@pytest.fixture
def own(svc, tree):
    """The importing administrator's own folder: where the interface reads their files."""
    return svc.files.folder(tree[1]).path


def outcomes(rows):
    return [(r.row, r.name, r.outcome, r.code) for r in rows]


def org_count(svc) -> int:
    with db_session:
        return count(o for o in svc.store.Org)


def audit_count(svc) -> int:
    with db_session:
        return count(a for a in svc.store.AuditEntry)


def test_preview_gives_exact_outcome_per_row_and_writes_nothing(svc, tree, own):
    # R-SUB-2, R-TREE-2, R-TREE-4: the same checks as single creation, row by row.
    top, me, _ = tree
    svc.orgs.create_child(me, top.id, "师范学院团委", "团委")
    svc.orgs.create_child(me, top.id, "数学专业2016级1班团支部", "团支部")
    rows = [
        ORG_HEADER,
        ["计算机专业2017级3班团支部", "团支部", None],           # 2 creatable
        ["师范学院团委", "团委", None],                         # 3 already exists
        ["经管学院", "团委", None],                             # 4 wrong suffix
        ["农学院团委", "团什么", None],                          # 5 unknown category
        ["兵团团委", "领导机关团组织", None],                     # 6 not allowed under a 团委
        [None, None, None],                                    # 7 empty: skipped
        ["计算机专业2017级3班团支部", "团支部", None],           # 9 duplicate of row 2
        ["理学院团委", "团委", "石河子大学医学院团委"],            # 10 full name used elsewhere
        ["文学院团委", "团委", "文学院共青团委员会"],              # 11 creatable
        ["外语学院团委", "团委", "文学院共青团委员会"],            # 12 full name repeats row 11
        ["数学专业2016级1班团支部", "联合团支部", None],          # 13 exists with another category
    ]
    rows.insert(7, [None, "  ", None])  # row 8: spaces only, skipped
    before = org_count(svc)
    preview = svc.org_import.preview(me, top.id, write_xlsx(own / "o.xlsx", rows))
    assert outcomes(preview.rows) == [
        (2, "计算机专业2017级3班团支部", CREATE, None),
        (3, "师范学院团委", EXISTS, "exists"),
        (4, "经管学院", ERROR, "name_suffix"),
        (5, "农学院团委", ERROR, "not_in_list"),
        (6, "兵团团委", ERROR, "child_category"),
        (9, "计算机专业2017级3班团支部", ERROR, "duplicate_in_file"),
        (10, "理学院团委", ERROR, "duplicate_full_name"),
        (11, "文学院团委", CREATE, None),
        (12, "外语学院团委", ERROR, "duplicate_in_file"),
        (13, "数学专业2016级1班团支部", ERROR, "exists_other_category"),
    ]
    by_row = {r.row: r.reason for r in preview.rows}
    assert "石河子大学团委 / 医学院团委" in by_row[10]
    assert "第2行" in by_row[9] and "例如 石河子大学师范学院团委" in by_row[4]
    assert (preview.creatable, preview.existing, preview.errors) == (2, 1, 7)
    assert org_count(svc) == before


def test_commit_creates_in_one_go_and_reupload_never_duplicates(svc, tree, own):
    # R-SUB-2: refused rows can be fixed and the file uploaded again.
    top, me, _ = tree
    path = write_xlsx(own / "o.xlsx", [ORG_HEADER, ["师范学院团委", "团委", None],
                                             ["计算机专业2017级3班团支部", "团支部", None], ["经管学院", "团委", None]])
    result = svc.org_import.commit(me, svc.org_import.preview(me, top.id, path))
    assert [(r.row, r.outcome) for r in result.rows] == [(2, CREATED), (3, CREATED), (4, ERROR)]
    assert (result.created, result.existing, result.refused, result.ok) == (2, 0, 1, False)
    kids = {c.short_name: c for c in svc.orgs.list_children(me, top.id).items}
    assert set(kids) == {"医学院团委", "师范学院团委", "计算机专业2017级3班团支部"}
    branch = svc.orgs.get(me, kids["计算机专业2017级3班团支部"].id)
    assert (branch.category_name, branch.cohort, branch.path) == ("团支部", 2017, f"{top.path}{branch.id}/")
    # The fixed file, uploaded again.
    fixed = write_xlsx(own / "o2.xlsx", [ORG_HEADER, ["师范学院团委", "团委", None],
                                               ["计算机专业2017级3班团支部", "团支部", None], ["经管学院团委", "团委", None]])
    again = svc.org_import.run_file(me, top.id, fixed)
    assert [(r.row, r.outcome) for r in again.rows] == [(2, EXISTS), (3, EXISTS), (4, CREATED)]
    assert again.ok
    assert len(svc.orgs.list_children(me, top.id).items) == 4
    entries = svc.audit.recent(me, top.id, action_prefix="org.import")
    assert [e.after["created"] for e in entries] == [1, 2]


def test_failure_part_way_leaves_the_database_as_it_was(svc, tree, own, monkeypatch):
    top, me, _ = tree
    path = write_xlsx(own / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"], ["乙团委", "团委"], ["丙团委", "团委"]])
    preview = svc.org_import.preview(me, top.id, path)
    real = svc.orgs.add_child
    calls = []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise DomainError("模拟的失败", None, "boom")
        return real(*args, **kw)

    monkeypatch.setattr(svc.orgs, "add_child", failing)
    before, audits = org_count(svc), audit_count(svc)
    with pytest.raises(DomainError):
        svc.org_import.commit(me, preview)
    assert (org_count(svc), audit_count(svc)) == (before, audits)


def test_clash_between_preview_and_confirm_is_reported_not_duplicated(svc, tree, own):
    top, me, _ = tree
    path = write_xlsx(own / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"], ["乙团委", "团委"]])
    preview = svc.org_import.preview(me, top.id, path)
    svc.orgs.create_child(me, top.id, "乙团委", "团委")
    result = svc.org_import.commit(me, preview)
    assert [(r.row, r.outcome) for r in result.rows] == [(2, CREATED), (3, EXISTS)]
    assert len(svc.orgs.list_children(me, top.id).items) == 3


def test_wrong_template_and_bad_file_write_nothing(svc, tree, own):
    top, me, _ = tree
    before, audits = org_count(svc), audit_count(svc)
    with pytest.raises(FileRefused) as err:
        svc.org_import.run_file(me, top.id, write_xlsx(own / "m.xlsx", [MEMBER_HEADER, ["张三"]]))
    assert err.value.code == "wrong_template"
    bad = own / "bad.xlsx"
    bad.write_text("这不是表格", encoding="utf-8")
    with pytest.raises(FileRefused):
        svc.org_import.run_file(me, top.id, bad)
    assert (org_count(svc), audit_count(svc)) == (before, audits)


def test_a_file_outside_the_own_folder_is_refused(svc, tree, own, tmp_path):
    # SPEC §9: an administrator's imports read only their own folder, never another's.
    top, me, other = tree
    theirs = svc.files.folder(admin_of(svc, other.id)).path
    for path in (write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]]),
                 write_xlsx(theirs / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]])):
        for typed in (path, f"../{theirs.name}/o.xlsx"):
            with pytest.raises(DomainError) as err:
                svc.org_import.preview(me, top.id, typed)
            assert err.value.code == "outside_folder"
    write_xlsx(own / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]])
    assert svc.org_import.preview(me, top.id, "o.xlsx").creatable == 1  # a bare name: the own folder


def test_only_the_parents_own_admin_imports_and_a_branch_has_no_children(svc, tree, tmp_path):
    top, me, other = tree
    path = write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]])
    stranger = admin_of(svc, other.id)
    with pytest.raises(Forbidden):
        svc.org_import.preview(stranger, top.id, path)
    branch = svc.orgs.create_child(me, top.id, "计算机专业2017级3班团支部", "团支部")
    with pytest.raises(DomainError) as err:
        svc.org_import.preview(OP, branch.id, path)
    assert err.value.code == "branch_no_children"


def test_template_has_category_dropdown_and_filled_template_imports_cleanly(svc, tree, tmp_path):
    # R-SUB-2: the template's 组织类别 drop-down lists only what a child of this parent may be.
    top, me, _ = tree
    general = svc.orgs.create_child(me, top.id, "化工学院团总支", "团总支")
    path = write_org_template(tmp_path / "tpl.xlsx", category(general.category), general.short_name)
    wb = load_workbook(path)
    ws = wb["下级组织"]
    assert [c.value for c in ws[1]] == ["组织简称*", "组织类别*", "组织全称"]
    dvs = [dv for dv in ws.data_validations.dataValidation if "B2" in dv.sqref]
    assert len(dvs) == 1 and dvs[0].type == "list"
    assert dvs[0].formula1 == '"团支部,联合团支部,临时团支部"'
    assert ws.column_dimensions["A"].number_format == "@"
    notes = " ".join(str(c.value) for c in wb["填写说明"]["A"] if c.value)
    assert "石河子大学师范学院团委" in notes and "计算机专业2017级3班团支部" in notes
    # Fill it in as a user would, and upload it.
    ws["A2"], ws["B2"] = "化工专业2018级1班团支部", "团支部"
    ws["A3"], ws["B3"], ws["C3"] = "化工专业2018级2班联合团支部", "联合团支部", "化工学院2018级2班联合团支部"
    wb.save(tmp_path / "filled.xlsx")
    result = svc.org_import.run_file(OP, general.id, tmp_path / "filled.xlsx")
    assert [(r.row, r.name, r.outcome) for r in result.rows] == [
        (2, "化工专业2018级1班团支部", CREATED), (3, "化工专业2018级2班联合团支部", CREATED)]
    assert result.ok
