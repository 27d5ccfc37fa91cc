"""团员批量导入 (R-MEM-1..4) on both backends: exact per-row outcomes for the real-world
spreadsheet cases, the rows stored exactly as the schema wants, one transaction, and a
failure part-way leaves the database as it was."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pony.orm import count, db_session, select

from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, member_row, write_xlsx
from tests.helpers import admin_of, person
from zhtj_tui.domain.errors import Conflict, DomainError, Forbidden
from zhtj_tui.domain.pinyin import initials
from zhtj_tui.excel.refused import FileRefused
from zhtj_tui.excel.templates import write_member_template
from zhtj_tui.services import member_import
from zhtj_tui.services.dto import CREATE, CREATED, ERROR, EXISTS, Actor
from zhtj_tui.services.member_import import MemberImportService

OP = Actor.server_operator()
FW = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def tree(svc):
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委", "石河子大学共青团委员会")
    college = svc.orgs.create_child(OP, top.id, "师范学院团委", "团委")
    a = svc.orgs.create_child(OP, college.id, "计算机专业2017级3班团支部", "团支部")
    b = svc.orgs.create_child(OP, college.id, "数学专业2017级1班团支部", "团支部")
    return college, a, b


def members(svc, branch_id=None) -> int:
    with db_session:
        q = select(m for m in svc.store.Member)
        if branch_id is not None:
            q = q.filter(lambda m: m.branch.id == branch_id)
        return q.count()


def audits(svc) -> int:
    with db_session:
        return count(a for a in svc.store.AuditEntry)


def joined_2019(name="王五"):
    return person(birth=date(2004, 3, 8), name=name, join_month="2019-09")


def test_preview_outcomes_for_real_world_rows(svc, tree, tmp_path):
    college, a, b = tree
    held_elsewhere, already_here = joined_2019("赵六"), joined_2019("钱七")
    svc.member_import.run_file(OP, b.id, write_xlsx(tmp_path / "b.xlsx", [
        MEMBER_HEADER, member_row(held_elsewhere, member_no="201909000099")]))
    svc.member_import.run_file(OP, a.id, write_xlsx(tmp_path / "a0.xlsx", [
        MEMBER_HEADER, member_row(already_here, member_no="201909000098")]))
    ps = [joined_2019(n) for n in ("王一", "王二", "王三", "王四", "王五")]
    while not ps[0].id_number.isdigit():  # row 7 holds it as a number cell: no final X
        ps[0] = joined_2019("王一")
    bad_check = ps[0].id_number[:17] + ("0" if ps[0].id_number[17] != "0" else "1")
    young = person(birth=date(2008, 1, 10), name="小明", join_month="2020-06")
    no_number, wrong_year, dup_no = joined_2019("孙一"), joined_2019("孙二"), joined_2019("孙三")
    other_post, thirteen = joined_2019("周一"), person(birth=date(2006, 1, 5), name="吴一", join_month="2019-06")
    rows = [
        MEMBER_HEADER,
        member_row(ps[0], join=datetime(2019, 9, 1), member_no="201909000001"),                     # 2
        [*member_row(ps[1], join="201909", member_no=201909000002)[:6], int(ps[1].mobile)] + [201909000002],  # 3
        member_row(ps[2], join="2019.9", member_no=" 201909000003 "),                               # 4
        [" 王四 ", ps[3].id_number.translate(FW), "汉族", "共青团员", "2019年9月", "本科", ps[3].mobile.translate(FW),
         "２０１９０９０００００４"],                                                                     # 5
        member_row(ps[4], join=201909, member_no="201909000005"),                                  # 6
        ["李四", float(ps[0].id_number), "汉族", "共青团员", "2019-09", "本科", "13800000001", "201909000006"],  # 7
        member_row(joined_2019("郑一"), member_no="201909000007")[:1] + [bad_check] +
        member_row(ps[0])[2:7] + ["201909000007"],                                                  # 8
        member_row(young, member_no="202006000001"),                                                # 9
        member_row(no_number),                                                                      # 10
        member_row(wrong_year, member_no="201809000001"),                                           # 11
        member_row(ps[0], member_no="201909000011"),                                                # 12
        member_row(dup_no, member_no="201909000001"),                                               # 13
        [None] * 11,                                                                                # 14 empty
        member_row(held_elsewhere, member_no="201909000097"),                                       # 15
        member_row(joined_2019("冯一"), member_no="201909000099"),                                   # 16
        member_row(already_here, member_no="201909000098"),                                         # 17
        member_row(other_post, member_no="201909000017", post="其他"),                               # 18
        member_row(thirteen, member_no="201906000018"),                                             # 19
    ]
    before, before_audit = members(svc), audits(svc)
    preview = svc.member_import.preview(OP, a.id, write_xlsx(tmp_path / "a.xlsx", rows))
    got = [(r.row, r.outcome, r.field, r.code) for r in preview.rows]
    assert got == [
        (2, ERROR, "id_number", "duplicate_in_file"),
        (3, CREATE, None, None),
        (4, CREATE, None, None),
        (5, CREATE, None, None),
        (6, CREATE, None, None),
        (7, ERROR, "id_number", "number_lost_digits"),
        (8, ERROR, "id_number", "id_check"),
        (9, ERROR, "join_month", "join_age"),
        (10, ERROR, "member_no", "required"),
        (11, ERROR, "member_no", "member_no_year"),
        (12, ERROR, "id_number", "duplicate_in_file"),
        (13, ERROR, "member_no", "duplicate_in_file"),
        (15, ERROR, "id_number", "duplicate_id"),
        (16, ERROR, "member_no", "duplicate_member_no"),
        (17, EXISTS, None, "exists"),
        (18, ERROR, "post_name", "required"),
        (19, CREATE, None, None),
    ]
    reasons = {r.row: r.reason for r in preview.rows}
    # R-MEM-3: the holding organisation is named.
    assert "石河子大学团委 / 师范学院团委 / 数学专业2017级1班团支部" in reasons[15]
    assert "数学专业2017级1班团支部" in reasons[16]
    assert "文本" in reasons[7] and "第2行" in reasons[12] and "第2行" in reasons[13]
    # Every copy of a duplicate is refused, each naming the others (the first copy too).
    assert "与第12行的身份证号码重复" in reasons[2] and "与第13行的团员编号重复" in reasons[2]
    assert reasons[19].startswith("提示：") and "14周岁" in reasons[19]
    assert [r.name for r in preview.rows[:4]] == ["王一", "王二", "王三", "王四"]
    assert (members(svc), audits(svc)) == (before, before_audit)

    result = svc.member_import.commit(OP, preview)
    assert (result.created, result.existing, result.refused) == (5, 1, 11)
    assert members(svc, a.id) == 6
    with db_session:
        stored = {m.name: m for m in select(m for m in svc.store.Member if m.branch.id == a.id)}
        # Every accepted shape of 入团年月 is the same month.
        assert {stored[n].join_month for n in ("王二", "王三", "王四", "王五")} == {"2019-09"}
        assert stored["王四"].id_number == ps[3].id_number and stored["王四"].mobile == ps[3].mobile
        assert stored["王二"].mobile == ps[1].mobile and stored["王二"].member_no == "201909000002"
        assert stored["王四"].member_no == "201909000004"


def test_rows_are_stored_exactly_as_the_schema_wants(svc, tree, tmp_path, clock):
    college, a, _ = tree
    p = joined_2019("欧阳娜娜")
    path = write_xlsx(tmp_path / "a.xlsx", [MEMBER_HEADER, member_row(
        p, member_no="201909000001", post="组织委员", political="中国共产主义青年团团员", education="高中在读")])
    svc.member_import.run_file(OP, a.id, path)
    with db_session:
        m = svc.store.Member.get(active_id=p.id_number)
        assert (m.branch.id, m.path, m.name, m.name_initials) == (a.id, a.path, "欧阳娜娜", initials("欧阳娜娜"))
        assert (m.id_number, m.active_id, m.birth_date, m.sex) == (p.id_number, p.id_number, date(2004, 3, 8),
                                                                   "女" if int(p.id_number[16]) % 2 == 0 else "男")
        assert (m.ethnic, m.political, m.education, m.post) == ("01", "03", "05", "03")
        assert (m.join_month, m.mobile, m.member_no, m.post_name, m.join_unit, m.note) == (
            "2019-09", p.mobile, "201909000001", None, None, None)
        assert (m.status, m.left_reason, m.left_at, m.version) == ("1", None, None, 1)
        assert m.created_at == clock.current and m.updated_at == clock.current
    entry = svc.audit.recent(OP, a.id, action_prefix="member.import")[0]
    assert entry.after["created"] == 1 and p.id_number not in str(entry.after)


def test_a_file_inserted_in_several_statements_stores_every_row_in_its_place(svc, tree, tmp_path, clock, monkeypatch):
    # R-MEM-2: the bulk insert (many rows per statement, the last one shorter) stores each
    # row's own values, as the schema wants them, in every statement.
    college, a, _ = tree
    monkeypatch.setattr("zhtj_tui.services.member_import.SQLITE_ROWS", 7)
    monkeypatch.setattr("zhtj_tui.services.member_import.BATCH", 7)
    # The optional columns (团员编号, 团内职务 and 职务名称, 入团时所在单位, 备注) are filled on a
    # few rows only: the statements bind each one some row of the file has, also where it
    # is empty, and write NULL for the others.
    ps = [person(birth=date(2001, 1 + i % 12, 1 + i % 28), name=f"{'赵钱孙李'[i % 4]}{'一二三四五六七八九'[i % 9]}",
                 join_month="2019-09" if i in (3, 16) else None) for i in range(23)]
    numbers = {3: "201909000003", 16: "201909000016"}
    posts = {5: ("组织委员", None), 9: ("其他", "宣传干事")}
    units, notes = {16: "某中学", 22: "八中"}, {9: "转入", 16: "复学"}

    def row(i, p):
        post, post_name = posts.get(i, (None, None))
        r = member_row(p, post=post, education=("本科在读", "高中")[i % 2], member_no=numbers.get(i))
        return r[:9] + [post_name, units.get(i), notes.get(i)]

    header = MEMBER_HEADER[:9] + ["职务名称"] + MEMBER_HEADER[9:]
    rows = [row(i, p) for i, p in enumerate(ps)]
    result = svc.member_import.run_file(OP, a.id, write_xlsx(tmp_path / "many.xlsx", [header] + rows))
    assert [r.outcome for r in result.rows] == [CREATED] * 23
    with db_session:
        stored = {m.id_number: (m.path, m.name, m.name_initials, m.id_rev, m.active_id, m.birth_date, m.sex,
                                m.ethnic, m.political, m.join_month, m.education, m.mobile, m.member_no, m.post,
                                m.post_name, m.join_unit, m.note, m.status, m.left_reason, m.left_at, m.created_at,
                                m.updated_at, m.version)
                  for m in select(m for m in svc.store.Member if m.branch.id == a.id)}
    assert stored == {p.id_number: (
        a.path, p.name, initials(p.name), p.id_number[::-1], p.id_number, p.birth, "男" if int(p.id_number[16]) % 2 else "女",
        "01", "03", p.join_month, ("11", "04")[i % 2], p.mobile, numbers.get(i),
        {5: "03", 9: "99"}.get(i), posts.get(i, (None, None))[1], units.get(i), notes.get(i),
        "1", None, None, clock.current, clock.current, 1) for i, p in enumerate(ps)}


def test_statements_stay_within_the_sqlite_limit_of_bound_values(sqlite_url, clock, tmp_path):
    # A library built with a lower limit of bound values gets shorter statements, not an error.
    from tests.conftest import make_settings
    from zhtj_tui.services import Services

    svc = Services.open(make_settings(sqlite_url, clock), client_key="test")
    try:
        top = svc.orgs.create_top(OP, "石河子大学团委", "团委")
        a = svc.orgs.create_child(OP, top.id, "计算机专业2017级3班团支部", "团支部")
        with db_session:
            con = svc.store.db.get_connection()
            con.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 50)
            assert member_import._sqlite_rows(con) == 2
        ps = [joined_2019(f"刘{i}") for i in "一二三四五"]
        path = write_xlsx(tmp_path / "a.xlsx", [MEMBER_HEADER] + [member_row(p, member_no=f"20190900001{i}")
                                                                 for i, p in enumerate(ps)])
        assert svc.member_import.run_file(OP, a.id, path).created == 5
        assert members(svc, a.id) == 5
        assert svc.consistency.check().ok
        with db_session:  # the one optional column the file fills (团员编号), each row's own
            assert {m.id_number: (m.member_no, m.post) for m in select(m for m in svc.store.Member)} == {
                p.id_number: (f"20190900001{i}", None) for i, p in enumerate(ps)}
    finally:
        svc.close()


def test_member_inserted_between_preview_and_confirm_aborts_everything(svc, tree, tmp_path):
    college, a, b = tree
    ps = [joined_2019(f"王{i}") for i in "一二三"]
    path = write_xlsx(tmp_path / "a.xlsx", [MEMBER_HEADER] + [
        member_row(p, member_no=f"20190900000{i}") for i, p in enumerate(ps)])
    preview = svc.member_import.preview(OP, a.id, path)
    assert preview.creatable == 3
    # Someone enters the third person into another branch meanwhile.
    svc.member_import.run_file(OP, b.id, write_xlsx(tmp_path / "b.xlsx", [
        MEMBER_HEADER, member_row(ps[2], member_no="201909000009")]))
    before, before_audit = members(svc), audits(svc)
    with pytest.raises(Conflict) as err:
        svc.member_import.commit(OP, preview)
    assert "第4行" in str(err.value) and "没有导入任何团员" in str(err.value)
    assert (members(svc), audits(svc), members(svc, a.id)) == (before, before_audit, 0)


def test_confirm_checks_the_database_again_and_keeps_unchanged_outcomes(svc, tree, tmp_path):
    # R-MEM-3, R-MEM-6: the commit asks the database again. A secretary entered into the
    # branch since the preview changes the outcome of the file's 书记 row: nothing is
    # written. A change that concerns none of the file's rows keeps the preview's outcomes.
    college, a, b = tree
    secretary, member = joined_2019("王书记"), joined_2019("王团员")
    path = write_xlsx(tmp_path / "a.xlsx", [MEMBER_HEADER, member_row(secretary, member_no="201909000001", post="书记"),
                                            member_row(member, member_no="201909000002")])
    preview = svc.member_import.preview(OP, a.id, path)
    assert [r.outcome for r in preview.rows] == [CREATE, CREATE]
    svc.member_import.run_file(OP, b.id, write_xlsx(tmp_path / "b.xlsx", [
        MEMBER_HEADER, member_row(joined_2019("赵六"), member_no="201909000099")]))  # elsewhere, unrelated
    svc.member_import.run_file(OP, a.id, write_xlsx(tmp_path / "a2.xlsx", [
        MEMBER_HEADER, member_row(joined_2019("李书记"), member_no="201909000003", post="书记")]))
    before = members(svc)
    with pytest.raises(Conflict) as err:
        svc.member_import.commit(OP, preview)
    assert err.value.code == "changed_since_preview" and "第2行" in str(err.value) and "书记" in str(err.value)
    assert members(svc) == before
    # Previewed again, the 书记 row is refused, and a later unrelated member changes nothing.
    preview = svc.member_import.preview(OP, a.id, path)
    assert [(r.outcome, r.code) for r in preview.rows] == [(ERROR, "secretary_exists"), (CREATE, None)]
    svc.member_import.run_file(OP, b.id, write_xlsx(tmp_path / "b2.xlsx", [
        MEMBER_HEADER, member_row(joined_2019("钱七"), member_no="201909000098")]))
    result = svc.member_import.commit(OP, preview)
    assert [(r.row, r.outcome) for r in result.rows] == [(2, ERROR), (3, CREATED)]
    assert members(svc, a.id) == 2
    # The stored per-organisation counts followed every import in its own transaction.
    report = svc.consistency.check()
    assert report.ok, [m.text() for m in report.mismatches]


def test_database_uniqueness_violation_mid_insert_rolls_back_the_bulk_insert(svc, tree, tmp_path, monkeypatch):
    # The database, not the check, is the guarantee: with the re-check blinded, the unique
    # index stops the insert and the rows already sent in the same transaction vanish too.
    college, a, b = tree
    ps = [joined_2019(f"王{i}") for i in "一二三四"]
    preview = svc.member_import.preview(OP, a.id, write_xlsx(tmp_path / "a.xlsx", [MEMBER_HEADER] + [
        member_row(p, member_no=f"20190900000{i}") for i, p in enumerate(ps)]))
    svc.member_import.run_file(OP, b.id, write_xlsx(tmp_path / "b.xlsx", [
        MEMBER_HEADER, member_row(ps[3], member_no="201909000009")]))
    monkeypatch.setattr(MemberImportService, "_holders", lambda self, column, values: {})
    # Two statements (of two rows each, on either backend): the first succeeds.
    monkeypatch.setattr("zhtj_tui.services.member_import.BATCH", 2)
    monkeypatch.setattr("zhtj_tui.services.member_import.SQLITE_ROWS", 2)
    before, before_audit = members(svc), audits(svc)
    with pytest.raises(Conflict) as err:
        svc.member_import.commit(OP, preview)
    assert err.value.code == "import_conflict"
    assert (members(svc), audits(svc), members(svc, a.id)) == (before, before_audit, 0)


def test_who_may_import_into_a_branch(svc, tree, tmp_path):
    # R-MEM-1 (*public*): the branch's administrator or its direct parent's.
    college, a, b = tree
    def row(who=None):  # the file in the administrator's own folder
        folder = svc.files.folder(who).path if who else tmp_path
        return write_xlsx(folder / "x.xlsx", [MEMBER_HEADER, member_row(joined_2019(), member_no=None)])

    parent_admin = admin_of(svc, college.id)
    branch_admin = admin_of(svc, a.id)
    other_branch = admin_of(svc, b.id)
    assert svc.member_import.preview(parent_admin, a.id, row(parent_admin)).target_id == a.id
    assert svc.member_import.preview(branch_admin, a.id, row(branch_admin)).target_id == a.id
    with pytest.raises(Forbidden):
        svc.member_import.preview(other_branch, a.id, row(other_branch))
    with pytest.raises(DomainError) as err:
        svc.member_import.preview(OP, college.id, row())
    assert err.value.code == "not_branch"


def test_org_sheet_uploaded_as_members_is_refused_whole(svc, tree, tmp_path):
    college, a, _ = tree
    with pytest.raises(FileRefused) as err:
        svc.member_import.run_file(OP, a.id, write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]]))
    assert err.value.code == "wrong_template" and "团员信息导入模板" in str(err.value)
    assert members(svc) == 0


def test_member_template_round_trip(svc, tree, tmp_path):
    # R-MEM-2: drop-downs for 民族, 政治面貌, 学历, 团内职务; ID, mobile, 入团年月 as text.
    college, a, _ = tree
    path = write_member_template(tmp_path / "tpl.xlsx", a.short_name)
    wb = load_workbook(path)
    ws = wb["团员信息"]
    header = [c.value for c in ws[1]]
    assert header[:8] == ["姓名*", "身份证号码*", "民族*", "政治面貌*", "入团年月*", "学历*", "手机号码*", "团员编号"]
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert set(lists) == {"C", "D", "F", "I"}
    assert lists["C"] == "EthnicList" and "中国共产主义青年团团员" in lists["D"] and "本科在读" in lists["F"]
    assert "群众" not in lists["D"] and "组织委员" in lists["I"]  # R-MEM-2: 群众 is not a member
    assert wb["下拉选项"].sheet_state == "hidden"
    assert "'下拉选项'!$A$2:$A$" in wb.defined_names["EthnicList"].attr_text
    assert [ws[f"{c}2"].number_format for c in "BEG"] == ["@", "@", "@"]
    p = joined_2019("陈一")
    for col, value in zip("ABCDEFGH", member_row(p, member_no="201909000001"), strict=False):
        ws[f"{col}2"] = value
    wb.save(tmp_path / "filled.xlsx")
    result = svc.member_import.run_file(OP, a.id, tmp_path / "filled.xlsx")
    assert [(r.row, r.name, r.outcome) for r in result.rows] == [(2, "陈一", CREATED)]
    with zipfile.ZipFile(path) as zf:
        assert not re.search(rb"<f>", zf.read("xl/worksheets/sheet1.xml"))


def test_progress_is_batched_monotonic_and_complete(svc, tree, tmp_path, monkeypatch):
    # The interface's bar: a few updates, never one per row, never going back.
    college, a, _ = tree
    monkeypatch.setattr("zhtj_tui.excel.reader.PROGRESS_EVERY", 0.0)
    monkeypatch.setattr("zhtj_tui.services.imports.PROGRESS_EVERY", 0.0)
    n = 900  # tests.helpers.person makes 1000 distinct ID numbers per birth date
    path = write_xlsx(tmp_path / "many.xlsx", [MEMBER_HEADER] + [member_row(person()) for _ in range(n)])
    seen: list[tuple[int, int]] = []
    preview = svc.member_import.preview(OP, a.id, path, progress=lambda done, total: seen.append((done, total)))
    assert preview.creatable == n
    values = [d for d, _ in seen]
    assert values == sorted(values) and values[-1] == 1000 and {t for _, t in seen} == {1000}
    assert 2 < len(seen) <= n // 50
