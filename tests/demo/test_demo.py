"""``zhtj demo --scale small``: the documented counts and planted defects, valid people,
determinism, and the refusals (issue 3; the data serve R-PROG-*, R-TREE-3, R-MEM-5)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime

import pytest
from pony.orm import db_session

from tests.conftest import make_settings
from tests.helpers import FakeClock
from zhtj_tui.cli import main
from zhtj_tui.demo import DEMO_PASSWORD, generate
from zhtj_tui.demo.writer import COLUMNS
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import parse_id_number
from zhtj_tui.domain.joinage import check_join_month, is_over_age
from zhtj_tui.domain.member import check_member
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.pinyin import initials
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

#: November 2018: the seed's own calendar (cohort 2018, tasks due 11-09 and 11-15).
SEED_CLOCK = datetime(2018, 11, 1, 8, 0)
TODAY = date(2018, 11, 1)

EXPECTED_COUNTS = {
    "org": 35, "member": 1010, "account": 34, "admin_role": 34, "reg_code": 35, "cadre": 33,
    "deadline_task": 2, "audit_log": 1,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SEED_CLOCK)


def run_demo(svc, seed: int = 2018, force: bool = False):
    return generate(svc.settings.db_url, svc.settings, svc.accounts.hasher, "small", seed, force)


def rows(svc, sql: str):
    with db_session:
        return list(svc.store.db.select(sql))


def digest(svc) -> str:
    """A digest of every generated table, the same on SQLite and PostgreSQL."""
    h = hashlib.sha256()
    for table, cols in COLUMNS.items():
        for row in rows(svc, f"select {', '.join(cols)} from {table} order by id"):
            for v in row:
                if isinstance(v, bool):
                    v = int(v)
                elif isinstance(v, datetime):
                    v = v.isoformat(" ")
                elif isinstance(v, date):
                    v = v.isoformat()
                h.update(repr(v).encode())
    return h.hexdigest()


def test_small_counts_and_planted_defects(svc):
    # R-TREE-3, R-MEM-5, R-PROG-3: what progress and checks must find in the demo data.
    report = run_demo(svc)
    assert report.counts == EXPECTED_COUNTS
    for table, n in EXPECTED_COUNTS.items():
        assert rows(svc, f"select count(*) from {table}")[0] == n
    names = dict(rows(svc, "select id, short_name from org"))
    top = rows(svc, "select short_name, full_name, category from org where parent_id is null")
    assert top == [("石河子大学团委", "共青团石河子大学委员会", "02")]
    colleges = rows(svc, "select short_name from org where depth = 1 order by short_name")
    assert sorted(c for c in colleges) == sorted(["信息科学与技术学院团委", "师范学院团委", "医学院团委", "马克思主义学院团总支"])
    branches = rows(svc, "select short_name, cohort from org where cat_group = 'branch'")
    assert len(branches) == 30
    assert Counter(c for _, c in branches) == {2015: 6, 2016: 6, 2017: 9, 2018: 9}
    assert all(name.endswith("团支部") and f"{cohort}级" in name for name, cohort in branches)

    # 1. a college with no branch below it
    empty = rows(svc, "select short_name from org o where cat_group in ('committee', 'general_branch') "
                      "and not exists (select 1 from org c where c.parent_id = o.id)")
    assert empty == ["马克思主义学院团总支"]
    # 2 and 3. branches without a secretary
    no_sec = rows(svc, "select short_name from org o where not exists "
                       "(select 1 from cadre c where c.secretary_of = o.id) order by short_name")
    assert no_sec == ["临床医学专业2018级2班团支部", "计算机专业2018级2班团支部"]
    # 3. an organisation without an administrator, whose code is still valid and unused
    no_admin = rows(svc, "select short_name from org o where not exists (select 1 from admin_role r where r.org = o.id)")
    assert no_admin == ["临床医学专业2018级2班团支部"]
    unused = rows(svc, "select org from reg_code where used_at is null")
    assert [names[o] for o in unused] == ["临床医学专业2018级2班团支部"]
    # 4. exactly one over-age member (R-MEM-5), in the documented branch
    members = rows(svc, "select branch, birth_date from member")
    old = [names[b] for b, birth in members if is_over_age(_date(birth), TODAY)]
    assert old == ["汉语言文学专业2015级1班团支部"]
    # 5. branches with fewer than 3 members (one with 2, the untouched one with none)
    sizes = Counter(names[b] for b, _ in members)
    small_ones = sorted((n, sizes.get(n, 0)) for n, _ in branches if sizes.get(n, 0) < 3)
    assert small_ones == [("临床医学专业2018级2班团支部", 0), ("数学专业2018级1班团支部", 2)]
    assert sorted(set(sizes.values())) == [2, 36]
    # Incomplete information: exactly the two branches without a secretary, and OrgService
    # (which computes the rule itself) agrees with the stored flag for every organisation.
    incomplete = rows(svc, "select short_name from org where not info_complete order by short_name")
    assert incomplete == no_sec
    op = Actor.server_operator()
    for oid in names:
        view = svc.orgs.get(op, oid)
        assert view.info_complete == (not view.missing_fields), view.short_name
    # The seed's two deadline tasks (R-PROG-3), on the top organisation.
    tasks = rows(svc, "select kind, cohort, due from deadline_task order by due")
    assert [(k, c, _date(d)) for k, c, d in tasks] == [
        ("cohort_branches", 2018, date(2018, 11, 9)), ("members_entered", None, date(2018, 11, 15))]
    # Each secretary is the open 书记 holding of exactly one organisation.
    assert rows(svc, "select count(*) from cadre where post = '01' and end_date is null and secretary_of = org")[0] == 33
    # The database is marked as made by demo.
    assert dict(rows(svc, "select key, value from zhtj_meta"))["demo_scale"] == "small"


def _date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def test_every_person_passes_the_domain_rules(svc):
    # R-REG-2, R-REG-3, R-MEM-2, R-MEM-4: every generated person is valid by the domain's own checks.
    run_demo(svc)
    policy = svc.settings.join_age
    members = rows(svc, "select name, name_initials, id_number, active_id, birth_date, sex, ethnic, political, "
                        "join_month, education, mobile, member_no, post from member")
    for name, ini, idn, active, birth, sex, ethnic, political, join, edu, mobile, no, post in members:
        data = check_member({"name": name, "id_number": idn, "ethnic": ethnic, "political": political,
                             "join_month": join, "education": edu, "mobile": mobile, "member_no": no,
                             "post": post}, TODAY, policy)
        assert (data.birth_date, data.sex) == (_date(birth), sex)
        assert active == idn
        assert ini == initials(name)
    assert len({m[2] for m in members}) == len(members)
    assert len({m[10] for m in members}) == len(members)
    numbers = [m[11] for m in members if m[11]]
    assert len(set(numbers)) == len(numbers)
    assert all(m[11] for m in members if parse_month(m[8]).year >= 2017)
    ethnic = Counter(m[6] for m in members)
    assert 0.85 < ethnic["01"] / len(members) < 0.96
    assert Counter(m[7] for m in members).most_common(1)[0][0] == "03"
    assert {m[9] for m in members} == {"11"}  # 本科在读
    for idn, birth, sex, join in rows(svc, "select id_number, birth_date, sex, join_month from account"):
        info = parse_id_number(idn, TODAY)
        assert (info.birth_date, info.sex) == (_date(birth), sex)
        check_join_month(info.birth_date, parse_month(join), TODAY, policy)
    for (idn,) in [(r,) for r in rows(svc, "select id_number from cadre")]:
        parse_id_number(idn, TODAY)
    mobiles = rows(svc, "select mobile from account") + [m[10] for m in members]
    assert len(set(mobiles)) == 1010 + 5  # 29 branch administrators are members; 5 are teachers


def test_same_seed_same_data_on_every_backend(svc, tmp_path):
    run_demo(svc)
    reference = Services.open(make_settings(f"sqlite:///{tmp_path / 'ref.sqlite'}", FakeClock(SEED_CLOCK)))
    try:
        run_demo(reference)
        assert digest(svc) == digest(reference)
        run_demo(reference, seed=7, force=True)
        assert digest(svc) != digest(reference)
    finally:
        reference.close()


def test_refuses_a_database_it_did_not_fill(svc):
    svc.orgs.create_top(Actor.server_operator(), "石河子大学团委", "团委")
    for force in (False, True):
        with pytest.raises(DomainError) as err:
            run_demo(svc, force=force)
        assert err.value.code == "not_empty"
    assert rows(svc, "select count(*) from org")[0] == 1


def index_names(svc) -> set[str]:
    if svc.store.provider == "postgres":
        return set(rows(svc, "select indexname from pg_indexes where schemaname = current_schema()"))
    return set(rows(svc, "select name from sqlite_master where type = 'index'"))


def test_force_regenerates_a_demo_database(svc):
    indexes = index_names(svc)
    assert "idx_member_path_status" in indexes
    run_demo(svc)
    with pytest.raises(DomainError) as err:
        run_demo(svc, seed=7)
    assert err.value.code == "demo_exists"
    report = run_demo(svc, seed=7, force=True)
    assert report.counts == EXPECTED_COUNTS
    assert rows(svc, "select count(*) from member")[0] == 1010
    assert dict(rows(svc, "select key, value from zhtj_meta"))["demo_seed"] == "7"
    # Later inserts through the ORM follow the generated ids (sequences reset).
    college = svc.orgs.create_child(Actor.server_operator(), 1, "护理学院团委", "团委")
    assert college.id == 36 and college.path == "/1/36/"
    # The load's temporary index drop (PostgreSQL) leaves every index in place.
    assert index_names(svc) == indexes


def test_cli_prints_counts_rate_and_logins(sqlite_url, capsys):
    assert main(["--db", sqlite_url, "demo", "--scale", "small"]) == 0
    out = capsys.readouterr().out
    assert "团员：1,010" in out and "组织：35" in out and "行/秒" in out and DEMO_PASSWORD in out
    mobile = next(line.split()[0] for line in out.splitlines() if "石河子大学团委 书记" in line)
    assert main(["--db", sqlite_url, "demo"]) == 2
    assert "--force" in capsys.readouterr().err
    services = Services.open(make_settings(sqlite_url))
    try:
        session = services.accounts.login(mobile, DEMO_PASSWORD)
        assert session.roles[0].org_name == "石河子大学团委"
    finally:
        services.close()


def test_copy_text_escapes_only_what_needs_it():
    """DESIGN (bulk loads): the fast COPY lines equal the field-by-field escaped ones,
    for plain rows and for strings holding tabs, backslashes, line breaks or "None"."""
    from datetime import date, datetime

    from zhtj_tui.demo.writer import _copy_value, copy_text

    rows = [
        (1, "王伟", None, date(2000, 1, 2), datetime(2026, 1, 2, 3, 4, 5), True, False, "None", ""),
        (2, "a\tb", None, "c\\d", "\\N", "e\nf", "g\rh", None, 0),
        (3, "x\\", "y", None, None, None, None, None, None),
    ]
    assert copy_text(rows) == "".join("\t".join(_copy_value(v) for v in r) + "\n" for r in rows)
    assert copy_text([]) == ""


def test_generated_copy_lines_are_checked_before_they_are_sent():
    """The member rows the generator makes as COPY lines go out only when plain: the right
    number of fields and line breaks, and no backslash but in NULLs."""
    from zhtj_tui.demo.writer import _lines

    assert _lines(["1\t王伟\t\\N\n", "2\t李娜\t2018\n"], 3) == "1\t王伟\t\\N\n2\t李娜\t2018\n"
    for bad in (["1\t王\t伟\t\\N\n"], ["1\t王伟\\\t2\n"], ["1\t王伟\t2\n\n"], ["1\t王\r伟\t2\n"]):
        with pytest.raises(ValueError):
            _lines(bad, 3)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # SQLite's load keeps them all
def test_the_load_gives_back_every_constraint_and_index(svc):
    """On PostgreSQL the load drops the filled tables' secondary indexes, unique and
    foreign-key constraints and builds them once at the end: afterwards the schema holds
    exactly what it held before, and the constraints hold (a duplicate is refused)."""
    assert svc.store.provider == "postgres"
    schema = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
              "WHERE connamespace = current_schema()::regnamespace UNION ALL "
              "SELECT tablename, indexname, '' FROM pg_indexes WHERE schemaname = current_schema()")
    before = sorted(rows(svc, schema))
    run_demo(svc)
    assert sorted(rows(svc, schema)) == before
    with pytest.raises(Exception, match="member_active_id_key"), db_session:
        svc.store.execute("UPDATE member SET active_id = (SELECT min(active_id) FROM member) "
                          "WHERE id = (SELECT max(id) FROM member)")


@pytest.mark.parametrize("scale", ["small"])
def test_generated_counts_pass_the_consistency_check(svc, scale):
    """The counts kept per organisation (org_tally, org_cohort_tally, org_age_tally) are
    written by the generator from the rows it made, not read back: ``zhtj check
    --consistency`` (every stored derived value against the tables) finds nothing."""
    report = generate(svc.settings.db_url, svc.settings, svc.accounts.hasher, scale, 2018, False)
    assert report.counts["member"] == EXPECTED_COUNTS["member"]
    assert set(report.phases) == {"rows", "counts", "indexes", "commit", "statistics"}
    result = svc.consistency.check()
    assert result.ok, [m.text() for m in result.mismatches][:5]
    assert rows(svc, "select count(*) from org_age_tally")[0] > 0
    top = rows(svc, "select t_orgs, t_mem from org_tally where org_id = 1")[0]
    assert top == (report.counts["org"], report.counts["member"])


def test_cli_verbose_prints_the_steps_on_stderr(sqlite_url, capsys):
    assert main(["--db", sqlite_url, "demo", "--scale", "small"]) == 0
    captured = capsys.readouterr()
    assert "各步骤用时" not in captured.out + captured.err
    assert main(["--db", sqlite_url, "demo", "--scale", "small", "--force", "-v"]) == 0
    captured = capsys.readouterr()
    assert "各步骤用时" not in captured.out
    assert "各步骤用时：生成并写入" in captured.err and "建索引和约束" in captured.err
