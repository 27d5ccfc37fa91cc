"""Access (SPEC §9, issue 8): every service method against administrators at every level
around one target organisation A. Reads and writes outside the actor's subtree (or rights)
are refused with ``Forbidden``; refused writes leave nothing behind; ID numbers are shown
in full only to whoever may edit the person; the audit log is append-only.

    T 校团委 ─┬─ M 学院团委 ─┬─ A 系团委 (target) ── A1 年级团总支 ── A1a 班团支部
             │              └─ B 兄弟系团委 (sibling)
             └─ C 其他学院团委 ── C1 无关团支部 (unrelated)
"""

from __future__ import annotations

import itertools
import re
import shutil
from dataclasses import dataclass

import pytest

from tests.helpers import admin_of, person
from zhtj_tui.domain.errors import DomainError, Forbidden, NotFound
from zhtj_tui.services.dto import Actor

VIEWERS = ("own", "parent", "grandparent", "child", "grandchild", "sibling", "unrelated", "impostor", "operator")
UP = {"own", "parent", "grandparent", "operator"}  # A is in their subtree
_n = itertools.count()


@dataclass
class World:
    ids: dict[str, int]
    actors: dict[str, Actor]
    secretary_id: str
    secretary_mobile: str


@pytest.fixture
def world(svc) -> World:
    op = Actor.server_operator()
    t = svc.orgs.create_top(op, "矩阵大学团委", "团委")
    m = svc.orgs.create_child(op, t.id, "矩阵学院团委", "团委")
    a = svc.orgs.create_child(op, m.id, "矩阵系团委", "团委")
    a1 = svc.orgs.create_child(op, a.id, "矩阵2024级团总支", "团总支")
    a1a = svc.orgs.create_child(op, a1.id, "矩阵2024级1班团支部", "团支部")
    b = svc.orgs.create_child(op, m.id, "兄弟系团委", "团委")
    c = svc.orgs.create_child(op, t.id, "其他学院团委", "团委")
    c1 = svc.orgs.create_child(op, c.id, "无关2024级团支部", "团支部")
    ids = {"T": t.id, "M": m.id, "A": a.id, "A1": a1.id, "A1a": a1a.id, "B": b.id, "C": c.id, "C1": c1.id}
    home = {"own": "A", "parent": "M", "grandparent": "T", "child": "A1", "grandchild": "A1a",
            "sibling": "B", "unrelated": "C1"}
    actors = {v: admin_of(svc, ids[o], person(name="管理" + "甲乙丙丁戊己庚"[i])) for i, (v, o) in enumerate(home.items())}
    # An administrator of B claiming to act for A (a forged or stale actor).
    actors["impostor"] = Actor(actors["sibling"].account_id, a.id, "冒充者")
    actors["operator"] = op
    sec = person(name="书记某")
    svc.orgs.save_info(actors["own"], a.id, {"secretary_name": sec.name, "secretary_id": sec.id_number,
                                             "secretary_mobile": sec.mobile})
    return World(ids, actors, sec.id_number, sec.mobile)


def _ops(w: World):
    """(name, call(svc, actor), viewers allowed). Writes use fresh values per call."""
    A = w.ids["A"]
    return [
        ("orgs.get", lambda s, a: s.orgs.get(a, A), UP),
        ("orgs.children", lambda s, a: s.orgs.children(a, A), UP),
        ("orgs.list_children", lambda s, a: s.orgs.list_children(a, A), UP),
        ("audit.recent", lambda s, a: s.audit.recent(a, A), UP),
        ("orgs.save_info", lambda s, a: s.orgs.save_info(a, A, {"email": f"m{next(_n)}@example.cn"}), {"own", "operator"}),
        ("orgs.create_child", lambda s, a: s.orgs.create_child(a, A, f"新建{next(_n)}班团支部", "团支部"),
         {"own", "operator"}),
        ("codes.issue_all", lambda s, a: s.codes.issue_all(a, A), {"own", "operator"}),
        ("orgs.correct", lambda s, a: s.orgs.correct(a, A, {"full_name": f"矩阵大学矩阵系团委{next(_n)}"}, "更正全称"),
         {"parent", "operator"}),
        ("codes.issue", lambda s, a: s.codes.issue(a, A), {"parent", "operator"}),
        ("codes.current", lambda s, a: s.codes.current(a, A), {"parent", "operator"}),
        ("codes.show_or_issue", lambda s, a: s.codes.show_or_issue(a, A), {"parent", "operator"}),
        # Refused to everyone here: administrators may not, and the operator's top exists.
        ("orgs.create_top", lambda s, a: s.orgs.create_top(a, f"另一{next(_n)}团委", "团委"), set()),
    ]


def _audit_rows(svc) -> list[tuple]:
    from pony.orm import db_session, select

    with db_session:
        return sorted(select((e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.org, e.path, e.note)
                             for e in svc.store.AuditEntry)[:])


def test_access_matrix(svc, world):
    """Every (method, viewer) cell: allowed ones succeed, the others are refused with a
    Chinese Forbidden/NotFound and write nothing (the audit log does not grow). The audit
    log only ever grows: earlier entries are never changed or removed."""
    cells = 0
    for name, call, allowed in _ops(world):
        for viewer in VIEWERS:
            actor = world.actors[viewer]
            before = _audit_rows(svc)
            cells += 1
            if viewer in allowed:
                call(svc, actor)
                after = _audit_rows(svc)
            else:
                refusal = DomainError if (name, viewer) == ("orgs.create_top", "operator") else (Forbidden, NotFound)
                with pytest.raises(refusal) as info:
                    call(svc, actor)
                assert re.search(r"[\u4e00-\u9fff]", info.value.message), (name, viewer)
                after = _audit_rows(svc)
                assert after == before, (name, viewer)
            assert after[: len(before)] == before, (name, viewer)  # append-only
    assert cells == len(_ops(world)) * len(VIEWERS) == 108
    print(f"access matrix: {cells} cells")


def test_search_stays_inside_the_subtree(svc, world):
    """orgs.search: whatever the text, only organisations in the viewer's subtree."""
    subtree = {
        "own": {"A", "A1", "A1a"}, "parent": {"M", "A", "A1", "A1a", "B"},
        "grandparent": set(world.ids), "child": {"A1", "A1a"}, "grandchild": {"A1a"},
        "sibling": {"B"}, "unrelated": {"C1"}, "operator": set(world.ids),
    }
    name_of = {v: k for k, v in world.ids.items()}
    for viewer, allowed in subtree.items():
        for text in ("团", "矩阵", "团支部", "无关", "兄弟"):
            found = {name_of[o.id] for o in svc.orgs.search(world.actors[viewer], text)}
            assert found <= allowed, (viewer, text, found)
        assert {name_of[o.id] for o in svc.orgs.search(world.actors[viewer], "团", limit=50)} == allowed
    with pytest.raises(Forbidden):
        svc.orgs.search(world.actors["impostor"], "团")


def test_secretary_id_number_masked_for_those_who_cannot_edit(svc, world):
    """SPEC §9: full ID number and mobile only for the organisation's own administrator
    (and the server operator); masked for the parent and grandparent."""
    full_id, full_mobile = world.secretary_id, world.secretary_mobile
    for viewer in ("own", "operator"):
        sec = svc.orgs.get(world.actors[viewer], world.ids["A"]).secretary
        assert (sec.id_number, sec.mobile) == (full_id, full_mobile), viewer
    for viewer in ("parent", "grandparent"):
        sec = svc.orgs.get(world.actors[viewer], world.ids["A"]).secretary
        assert sec.id_number != full_id and "*" in sec.id_number, viewer
        assert sec.id_number[:6] == full_id[:6] and sec.id_number[-4:] == full_id[-4:]
        assert sec.mobile != full_mobile and "*" in sec.mobile, viewer
    # Nothing in the child listing carries an ID number.
    rows = svc.orgs.list_children(world.actors["parent"], world.ids["M"]).items
    assert full_id not in repr(rows) and full_mobile not in repr(rows)
    # The audit log keeps them masked too.
    entries = svc.audit.recent(world.actors["own"], world.ids["A"])
    assert full_id not in repr(entries) and full_mobile not in repr(entries)


def test_refusals_do_not_reveal_the_target(svc, world):
    """A refused read says nothing about the organisation (no name, no path)."""
    for viewer in ("child", "sibling", "unrelated", "impostor"):
        with pytest.raises(DomainError) as info:
            svc.orgs.get(world.actors[viewer], world.ids["A"])
        assert "矩阵系团委" not in info.value.message


def test_no_service_changes_or_deletes_audit_entries():
    """SPEC §9: the audit log is append-only. Only services/base.py creates entries; other
    modules may read them (select) but nothing updates or deletes audit_log rows, and
    nothing calls .delete()/.set() on an audit entry."""
    from pathlib import Path

    import zhtj_tui

    root = Path(zhtj_tui.__file__).parent
    users = {}
    for path in root.rglob("*.py"):
        text = path.read_text("utf-8")
        rel = path.relative_to(root).as_posix()
        assert not re.search(r"(update|delete\s+from|truncate|drop\s+table)\s+(table\s+)?audit_log", text, re.I), rel
        lines = [ln.strip() for ln in text.splitlines() if "AuditEntry" in ln]
        if lines:
            users[rel] = lines
    assert "services/base.py" in users and "services/audit.py" in users
    for rel, lines in users.items():
        for ln in lines:
            if rel == "db/schema.py":
                assert ln.startswith("class AuditEntry("), ln
            elif rel == "db/__init__.py":
                assert ln == "AuditEntry: type[typed.AuditEntry]", ln
            elif rel == "db/typed.py":
                assert ln == "class AuditEntry(Entity):", ln  # the attributes' types for mypy, no code
            elif rel == "services/base.py":
                assert ln.startswith("self.s.AuditEntry("), ln  # the one writer: creates only
            else:
                assert "select(" in ln and "AuditEntry(" not in ln, (rel, ln)  # reads only
        body = (root / rel).read_text("utf-8")
        for var in re.findall(r"for (\w+) in self\.s\.AuditEntry", body):
            assert not re.search(rf"\b{var}\.(delete|set)\(|\b{var}\.\w+\s*=[^=]", body), (rel, var)


def test_the_database_refuses_to_change_audit_entries(svc):
    """The guarantee does not rest on the code alone: the database refuses UPDATE and
    DELETE on audit_log (triggers created with the schema)."""
    from pony.orm import db_session

    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "审计大学团委", "团委")
    before = svc.audit.recent(op, top.id)
    assert before
    for sql in ("update audit_log set note = 'changed'", "delete from audit_log"):
        with pytest.raises(Exception) as info, db_session:
            svc.store.execute(sql)
        assert "append-only" in str(info.value)
    assert svc.audit.recent(op, top.id) == before


def test_demo_wipe_puts_the_guard_back(db_url, capsys):
    """``zhtj demo --force`` may empty a database it filled itself, audit log included,
    but the append-only guard is back afterwards."""
    from pony.orm import db_session

    from zhtj_tui.cli import main
    from zhtj_tui.db import open_store

    assert main(["--db", db_url, "demo", "--scale", "small"]) == 0
    assert main(["--db", db_url, "demo", "--scale", "small", "--force"]) == 0
    capsys.readouterr()
    store = open_store(db_url, create=False)
    try:
        with pytest.raises(Exception) as info, db_session:
            store.execute("delete from audit_log")
        assert "append-only" in str(info.value)
    finally:
        store.disconnect()


# -- members, cadres, progress, imports and exports -----------------------------------------
#: Relative to branch A1a (under A1 under A): who may read it, and who may write its members
#: (R-MEM-1: the branch's own administrator and its direct parent's).
READ_A1A = {"own", "parent", "grandparent", "child", "grandchild", "operator"}
WRITE_A1A = {"child", "grandchild", "operator"}
#: Moving a member from A1a to its sister branch A1b (R-MEM-1): the actor must be allowed
#: to edit the member and to enter members in the target, so only their common direct
#: parent A1's administrator (and the operator); not A's or those above, who may read both.
TRANSFER = {"child", "operator"}


def _more_ops(svc, w: World, tmp_path):
    from datetime import date

    from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, member_row, write_xlsx

    op = Actor.server_operator()

    A, A1a = w.ids["A"], w.ids["A1a"]

    def member_file(_s):
        return write_xlsx(tmp_path / f"m{next(_n)}.xlsx", [MEMBER_HEADER, member_row(person())])

    def org_file(_s):
        return write_xlsx(tmp_path / f"o{next(_n)}.xlsx", [ORG_HEADER, [f"导入{next(_n)}班团支部", "团支部", None]])

    def mine(s, actor, path):
        folder = s.files.folder(actor).path
        if folder is None:
            return path
        return shutil.copy(path, folder / path.name)

    def task(_s):
        return svc.progress.create_task(op, A, f"任务{next(_n)}", "members_entered", date(2026, 11, 15))

    from tests.member_helpers import member_values
    from zhtj_tui.services.members import REMOVE_REASONS

    a1b = svc.orgs.create_child(op, w.ids["A1"], "矩阵2024级2班团支部", "团支部").id
    m0 = svc.members.add(op, A1a, member_values())
    reason = next(iter(REMOVE_REASONS))

    def fresh_member(_s):
        return svc.members.add(op, A1a, member_values())

    def fresh_values(_s):
        return member_values()

    def cadre(_s):
        p = person(name="干部某")
        return svc.cadres.appoint(op, A, "01", {"name": p.name, "id_number": p.id_number, "mobile": p.mobile})

    def person_dict(_s):
        p = person(name="新干部")
        return {"name": p.name, "id_number": p.id_number, "mobile": p.mobile}

    def fresh_branch(_s):
        return svc.orgs.create_child(op, A, f"误建{next(_n)}班团支部", "团支部").id

    def misplaced_branch(_s):  # under A1, moved up to A
        return svc.orgs.create_child(op, w.ids["A1"], f"错放{next(_n)}班团支部", "团支部").id

    def fresh_admin(_s):
        return admin_of(svc, A, person(name="新管理")).account_id

    # R-TREE-6 and R-REG-6/7: correcting the tree, administrators and reset codes.
    BELOW = {"parent", "grandparent", "operator"}  # A lies strictly below their organisation
    fix_ops = [
        ("orgs.move", misplaced_branch, lambda s, a, c: s.orgs.move(a, c, A, "隶属关系错误"), UP),
        ("orgs.move_targets", None, lambda s, a, c: s.orgs.move_targets(a, A), BELOW),
        ("orgs.delete", fresh_branch, lambda s, a, c: s.orgs.delete(a, c, "误建"), UP),
        ("orgs.delete_blockers", None, lambda s, a, c: s.orgs.delete_blockers(a, A), BELOW),
        ("admins.list", None, lambda s, a, c: s.admins.list(a, A), UP),
        ("admins.deactivate", fresh_admin, lambda s, a, c: s.admins.deactivate(a, A, c, "调离"), {"parent", "operator"}),
        ("admins.issue_reset_code", fresh_admin, lambda s, a, c: s.admins.issue_reset_code(a, A, c),
         {"parent", "operator"}),
        ("accounts.unlock", None, lambda s, a, c: s.accounts.unlock(a, _login_of(s, w.actors["own"])), {"operator"}),
        ("accounts.operator_reset", None,
         lambda s, a, c: s.accounts.operator_reset(a, _login_of(s, w.actors["own"])), {"operator"}),
    ]

    member_ops = fix_ops + [
        ("members.list", None, lambda s, a, c: s.members.list(a, A1a), READ_A1A),
        ("members.list.subtree", None, lambda s, a, c: s.members.list(a, A), UP),
        ("members.get", None, lambda s, a, c: s.members.get(a, m0.id), READ_A1A),
        ("members.counts", None, lambda s, a, c: s.members.counts(a, A1a), READ_A1A),
        ("members.add", fresh_values, lambda s, a, c: s.members.add(a, A1a, c), WRITE_A1A),
        ("members.update", fresh_member,
         lambda s, a, c: s.members.update(a, c.id, {**_values_of(s, c.id), "note": "改"}, expected_version=c.version),
         WRITE_A1A),
        ("members.remove", fresh_member, lambda s, a, c: s.members.remove(a, c.id, reason), WRITE_A1A),
        ("members.transfer", fresh_member, lambda s, a, c: s.members.transfer(a, [c.id], a1b), TRANSFER),
        ("cadres.list", None, lambda s, a, c: s.cadres.list(a, A), UP),
        ("cadres.secretary", None, lambda s, a, c: s.cadres.secretary(a, A), UP),
        ("cadres.appoint", person_dict, lambda s, a, c: s.cadres.appoint(a, A, "01", c), {"own", "parent", "operator"}),
        ("cadres.end", cadre, lambda s, a, c: s.cadres.end(a, c.id), {"own", "parent", "operator"}),
    ]

    return member_ops + [
        # (name, setup(svc) -> ctx, call(svc, actor, ctx), allowed)
        ("progress.progress", None, lambda s, a, c: s.progress.progress(a, A), UP),
        ("progress.problems", None, lambda s, a, c: s.progress.problems(a, A), UP),
        ("progress.tasks", None, lambda s, a, c: s.progress.tasks(a, A), UP),
        ("progress.task", task, lambda s, a, c: s.progress.task(a, c.id, A), UP),
        ("progress.create_task", None,
         lambda s, a, c: s.progress.create_task(a, A, f"任务{next(_n)}", "members_entered", date(2026, 11, 15)),
         {"own", "operator"}),
        ("progress.update_task", task,
         lambda s, a, c: s.progress.update_task(a, c.id, f"改{next(_n)}", "members_entered", date(2026, 11, 20)),
         {"own", "operator"}),
        ("progress.delete_task", task, lambda s, a, c: s.progress.delete_task(a, c.id), {"own", "operator"}),
        ("member_export.start", None, lambda s, a, c: s.member_export.start(a, A1a), READ_A1A),
        ("member_export.rows", None, lambda s, a, c: list(s.member_export.rows(a, A1a)), READ_A1A),
        # The file in the acting administrator's own folder: the only place their imports read.
        ("member_import.preview", member_file, lambda s, a, c: s.member_import.preview(a, A1a, mine(s, a, c)),
         WRITE_A1A),
        ("member_import.run_file", member_file, lambda s, a, c: s.member_import.run_file(a, A1a, mine(s, a, c)),
         WRITE_A1A),
        ("org_import.run_file", org_file, lambda s, a, c: s.org_import.run_file(a, A, mine(s, a, c)),
         {"own", "operator"}),
    ]


def test_access_matrix_more_services(svc, world, tmp_path):
    """The same matrix over the import and export services (and members, cadres, progress)."""
    ops = _more_ops(svc, world, tmp_path)
    cells = 0
    for name, setup, call, allowed in ops:
        for viewer in VIEWERS:
            ctx = setup(svc) if setup else None
            actor = world.actors[viewer]
            before = _audit_rows(svc)
            cells += 1
            if viewer in allowed:
                call(svc, actor, ctx)
            else:
                with pytest.raises((Forbidden, NotFound)) as info:
                    call(svc, actor, ctx)
                assert re.search(r"[\u4e00-\u9fff]", info.value.message), (name, viewer)
                assert _audit_rows(svc) == before, (name, viewer)
            assert _audit_rows(svc)[: len(before)] == before, (name, viewer)
    assert cells == len(ops) * len(VIEWERS)
    print(f"access matrix (more services): {cells} cells")


def _login_of(svc, actor: Actor) -> str:
    from pony.orm import db_session

    with db_session:
        return svc.store.Account[actor.account_id].mobile


def test_hand_over_only_by_an_active_administrator_of_their_own(svc, world):
    """R-REG-6: hand-over acts on the actor's own role: a forged actor (another
    organisation's account), the server operator and an administrator already handed over
    are refused and write nothing; each real administrator hands over their own."""
    for viewer in ("impostor", "operator"):
        before = _audit_rows(svc)
        with pytest.raises(Forbidden) as info:
            svc.admins.hand_over(world.actors[viewer], "交接")
        assert re.search(r"[\u4e00-\u9fff]", info.value.message)
        assert _audit_rows(svc) == before
    for viewer in ("own", "child", "unrelated"):
        actor = world.actors[viewer]
        result = svc.admins.hand_over(actor, "交接")
        assert result.org_id == actor.org_id
        before = _audit_rows(svc)
        with pytest.raises(Forbidden):
            svc.admins.hand_over(actor, "再次交接")
        with pytest.raises(Forbidden):
            svc.orgs.get(actor, actor.org_id)  # no longer an administrator there
        assert _audit_rows(svc) == before


def _values_of(svc, member_id: int) -> dict:
    v = svc.members.get(Actor.server_operator(), member_id)
    return {"name": v.name, "id_number": v.id_number, "ethnic": v.ethnic, "political": v.political,
            "join_month": v.join_month, "education": v.education, "mobile": v.mobile, "member_no": v.member_no}


def test_member_id_numbers_masked_for_those_who_cannot_edit(svc, world):
    """SPEC §9: in lists always masked; in a member's record in full only for whoever may
    edit the member (the branch and its direct parent); masked in exports by default."""
    from tests.member_helpers import member_values

    op = Actor.server_operator()
    values = member_values()
    m = svc.members.add(op, world.ids["A1a"], values)
    full_id, full_mobile = values["id_number"], values["mobile"]
    for viewer in READ_A1A:
        actor = world.actors[viewer]
        rows = svc.members.list(actor, world.ids["A1a"]).items
        assert full_id not in repr(rows) and full_mobile not in repr(rows), viewer
        seen = svc.members.get(actor, m.id)
        if viewer in WRITE_A1A:
            assert (seen.id_number, seen.mobile) == (full_id, full_mobile), viewer
        else:
            assert seen.id_number != full_id and "*" in seen.id_number, viewer
            assert seen.mobile != full_mobile and "*" in seen.mobile, viewer
        masked = list(svc.member_export.rows(actor, world.ids["A1a"]))
        assert full_id not in repr(masked), viewer
    entries = svc.audit.recent(op, world.ids["A1a"])
    assert full_id not in repr(entries) and full_mobile not in repr(entries)
