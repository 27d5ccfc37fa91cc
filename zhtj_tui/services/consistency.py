"""The consistency check (``zhtj check --consistency``): every stored derived value is
recomputed from the base data and each disagreement is reported.

A derived value is stored only so that reading it is cheap (DESIGN rule 7: paths and
depth for subtree ranges; ``info_complete`` for progress; ``cohort`` for the deadline
tasks; ``active_id`` and ``secretary_of`` so that the database keeps uniqueness). The
rule of the house is that every write that changes an input of such a value rewrites it
in the same transaction. This module is the proof: it knows, for each stored value, how
to compute it from the base data with the same domain rules the writes use, and lists
every row where the stored value differs.

What is checked (table.column <- inputs):

* ``org.short_name`` / ``full_name`` are in their normal form (R-TREE-5).
* ``org.path`` / ``org.depth`` <- the chain of ``parent_id`` (``/1/7/42/``, depth 2);
  ``org.cat_group`` <- ``category``; ``org.cohort`` <- ``short_name``
  (``domain.orgs.cohort_of``, R-TREE-4); ``org.name_initials`` <- ``short_name``
  (``db.schema.org_initials``, letters-only search); ``org.info_complete`` <- the information fields
  and the open 书记 holding (``domain.orgs.missing_info``, R-INFO-4).
* ``member.path`` <- its branch's path; ``member.active_id`` <- ``status`` and
  ``id_number`` (R-MEM-3); ``member.id_rev``, ``birth_date``, ``sex`` <- ``id_number``;
  ``member.name_initials`` <- ``name``; a member whose 团内职务 is 书记 is their branch's
  secretary, and a branch's secretary who is an active member there has 团内职务 书记
  (R-MEM-6: one record).
* ``cadre.secretary_of`` <- ``post`` and ``end_date`` (the open 书记 holding).
* ``account.birth_date`` / ``sex`` <- ``id_number``.
* ``org_tally`` (``db.tally``): each organisation's own counts (active members,
  administrators, secretary, non-branch children) and its subtree totals;
  ``org_cohort_tally``: per organisation and cohort, the branches of that cohort in its
  subtree, those with a secretary and an administrator, those with an active member;
  ``org_tally.oldest``: the birth date of its oldest active member.
* ``org_age_tally`` (``db.tally_age``): per organisation and birth month, the active members
  of its subtree born that month and the branches whose oldest active member was
  (``services.consistency_counts`` holds these two checks).

A later stored figure (say, members per organisation kept for speed) adds one function
with ``@derived_check("name")``: it receives the ``Base`` (organisations with their
recomputed paths, read once) and yields ``Mismatch`` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from zhtj_tui.db import Store
from zhtj_tui.db.schema import org_initials
from zhtj_tui.db.values import as_date
from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain import paths as tree_paths
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import mask_id_number, parse_id_number
from zhtj_tui.domain.member import member_initials
from zhtj_tui.domain.text import normalize_name
from zhtj_tui.domain.vocab import SECRETARY_POST, STATUS_NORMAL, categories
from zhtj_tui.services.base import ServiceBase

#: Rows read per fetch while streaming a big table.
FETCH = 5000


@dataclass(frozen=True)
class Mismatch:
    """One stored value that differs from its recomputation."""

    check: str
    table: str
    row_id: int
    column: str
    stored: object
    expected: object
    #: Who or what the row is, for a person reading the report (ID numbers masked).
    label: str = ""

    def text(self) -> str:
        who = f"（{self.label}）" if self.label else ""
        return f"{self.table} #{self.row_id}{who} {self.column}：存储值 {self.stored!r}，应为 {self.expected!r}"


@dataclass(frozen=True)
class ConsistencyReport:
    #: Rows checked per table.
    checked: tuple[tuple[str, int], ...]
    #: Exact number of mismatches per check, in the order the checks ran.
    counts: tuple[tuple[str, int], ...]
    #: Up to ``limit`` mismatches per check.
    mismatches: tuple[Mismatch, ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def ok(self) -> bool:
        return self.total == 0


@dataclass
class OrgRow:
    id: int
    parent_id: int | None
    path: str | None
    depth: int
    category: str
    group: str
    short_name: str
    cohort: int | None
    info_complete: bool
    values: dict
    name_initials: str = ""


@dataclass
class Base:
    """The organisations (read once) with their paths and depths recomputed from the
    ``parent_id`` chain, and the open 书记 holdings; handed to every check."""

    store: Store
    provider: str
    orgs: dict[int, OrgRow]
    expected_path: dict[int, str | None]
    expected_depth: dict[int, int | None]
    #: org id -> (cadre id, id_number, member id) of its open 书记 holding.
    secretaries: dict[int, tuple[int, str, int | None]]
    checked: dict[str, int] = field(default_factory=dict)

    def rows(self, sql: str) -> Iterator[tuple]:
        """Stream a raw SELECT a few thousand rows at a time."""
        cur = self.store.execute(sql)
        while True:
            chunk = cur.fetchmany(FETCH)
            if not chunk:
                return
            yield from chunk

    def org_label(self, org_id: int) -> str:
        o = self.orgs.get(org_id)
        return o.short_name if o else f"组织{org_id}"


Check = Callable[[Base], Iterable[Mismatch]]
#: The checks, in the order they run: name -> function. ``derived_check`` adds one.
CHECKS: dict[str, Check] = {}
#: What each check covers, for the report.
CHECK_TITLES: dict[str, str] = {}


def derived_check(name: str, title: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS[name] = fn
        CHECK_TITLES[name] = title
        return fn

    return register


# -- organisations --------------------------------------------------------------------------
_CATEGORIES = {c.code: c for c in categories()}
_ORG_VALUE_COLUMNS = ("full_name", "industry", "admin_quota", "admin_actual", "inst_quota", "inst_actual",
                      "contact_phone", "email")


@derived_check("org_tree", "组织路径、层级与类别组")
def _org_tree(base: Base) -> Iterator[Mismatch]:
    """R-TREE-1, DESIGN rule 7: path and depth from the parent chain; the group of the category."""
    for o in base.orgs.values():
        path, depth = base.expected_path[o.id], base.expected_depth[o.id]
        if path is None:
            yield Mismatch("org_tree", "org", o.id, "parent_id", o.parent_id, "上级组织链不能成环或指向不存在的组织",
                           o.short_name)
            continue
        if o.path != path:
            yield Mismatch("org_tree", "org", o.id, "path", o.path, path, o.short_name)
        if o.depth != depth:
            yield Mismatch("org_tree", "org", o.id, "depth", o.depth, depth, o.short_name)
        cat = _CATEGORIES.get(o.category)
        if cat is None:
            yield Mismatch("org_tree", "org", o.id, "category", o.category, "组织类别代码不存在", o.short_name)
            continue
        group = cat.group
        if o.group != group:
            yield Mismatch("org_tree", "org", o.id, "cat_group", o.group, group, o.short_name)


@derived_check("org_cohort", "组织名称中的入学年级")
def _org_cohort(base: Base) -> Iterator[Mismatch]:
    """R-TREE-4: the cohort year the 简称 gives."""
    for o in base.orgs.values():
        expected = rules.cohort_of(o.short_name)
        if o.cohort != expected:
            yield Mismatch("org_cohort", "org", o.id, "cohort", o.cohort, expected, o.short_name)


@derived_check("org_initials", "组织简称的拼音首字母")
def _org_initials(base: Base) -> Iterator[Mismatch]:
    """Letters-only organisation search reads the initials stored with the 简称."""
    for o in base.orgs.values():
        expected = org_initials(o.short_name)
        if o.name_initials != expected:
            yield Mismatch("org_initials", "org", o.id, "name_initials", o.name_initials, expected, o.short_name)


@derived_check("org_names", "组织名称的规范形式")
def _org_names(base: Base) -> Iterator[Mismatch]:
    """R-TREE-5: names are stored normalised (a name stored otherwise escapes the
    uniqueness rules, which compare normalised names)."""
    for o in base.orgs.values():
        for column, value in (("short_name", o.short_name), ("full_name", o.values.get("full_name"))):
            if value and normalize_name(value) != value:
                yield Mismatch("org_names", "org", o.id, column, value, normalize_name(value), o.short_name)


@derived_check("org_info_complete", "组织信息完整标记")
def _org_info_complete(base: Base) -> Iterator[Mismatch]:
    """R-INFO-4: complete when no required field (R-INFO-1) is missing, the secretary
    counting as filled when there is an open 书记 holding."""
    for o in base.orgs.values():
        cat = _CATEGORIES.get(o.category)
        if cat is None:
            continue  # reported by org_tree
        expected = not rules.missing_info(cat, o.values.get, o.id in base.secretaries)
        if bool(o.info_complete) != expected:
            yield Mismatch("org_info_complete", "org", o.id, "info_complete", bool(o.info_complete), expected,
                           o.short_name)


# -- cadres ---------------------------------------------------------------------------------
@derived_check("cadre_secretary", "书记任职标记")
def _cadre_secretary(base: Base) -> Iterator[Mismatch]:
    """R-MEM-6: ``secretary_of`` is the organisation's id exactly while a 书记 holding is open."""
    n = 0
    for cid, org, post, end_date, secretary_of, name in base.rows(
            "SELECT id, org, post, end_date, secretary_of, name FROM cadre ORDER BY id"):
        n += 1
        expected = int(org) if (post == SECRETARY_POST and end_date is None) else None
        stored = int(secretary_of) if secretary_of is not None else None
        if stored != expected:
            yield Mismatch("cadre_secretary", "cadre", int(cid), "secretary_of", stored, expected,
                           f"{name}，{base.org_label(int(org))}")
    base.checked["cadre"] = n


# -- members --------------------------------------------------------------------------------
@derived_check("member_derived", "团员的路径、在册标记、身份证派生值、拼音首字母与书记职务")
def _member_derived(base: Base) -> Iterator[Mismatch]:
    """Member columns copied or derived from others: path (the branch's), active_id
    (R-MEM-3), id_rev, birth date and sex (R-REG-3), pinyin initials; and R-MEM-6's one
    record: 团内职务 书记 <-> the branch's open 书记 holding."""
    n = 0
    sec_people = {org: (idn, mid) for org, (_, idn, mid) in base.secretaries.items()}
    for row in base.rows(
            "SELECT id, branch, path, id_number, id_rev, active_id, status, birth_date, sex, name, name_initials,"
            " post FROM member ORDER BY id"):
        n += 1
        mid, branch, path, idn, id_rev, active_id, status, birth, sex, name, name_ini, post = row
        mid, branch = int(mid), int(branch)
        label = f"{name} {mask_id_number(idn)}"
        want_path = base.expected_path.get(branch)
        if path != want_path:
            yield Mismatch("member_derived", "member", mid, "path", path, want_path, label)
        active = status == STATUS_NORMAL
        want_active = idn if active else None
        if active_id != want_active:
            yield Mismatch("member_derived", "member", mid, "active_id",
                           _masked(active_id), _masked(want_active), label)
        if id_rev != idn[::-1]:
            yield Mismatch("member_derived", "member", mid, "id_rev", _masked(id_rev[::-1] if id_rev else id_rev),
                           _masked(idn), label)
        yield from _person_fields("member_derived", "member", mid, idn, birth, sex, label)
        want_ini = member_initials(name)
        if name_ini != want_ini:
            yield Mismatch("member_derived", "member", mid, "name_initials", name_ini, want_ini, label)
        if active:
            holder = sec_people.get(branch)
            if post == SECRETARY_POST and (holder is None or holder[0] != idn):
                yield Mismatch("member_derived", "member", mid, "post", "书记",
                               "本支部书记（团干部中的书记）应是此人" if holder is None else "另一人已是本支部书记",
                               label)
            elif post != SECRETARY_POST and holder is not None and holder[0] == idn:
                yield Mismatch("member_derived", "member", mid, "post", post, SECRETARY_POST, label)
    base.checked["member"] = n


@derived_check("account_derived", "管理员账号的身份证派生值")
def _account_derived(base: Base) -> Iterator[Mismatch]:
    """R-REG-3: an administrator's birth date and sex come from the ID number."""
    n = 0
    for aid, idn, birth, sex, name in base.rows("SELECT id, id_number, birth_date, sex, name FROM account ORDER BY id"):
        n += 1
        yield from _person_fields("account_derived", "account", int(aid), idn, birth, sex,
                                  f"{name} {mask_id_number(idn)}")
    base.checked["account"] = n


def _person_fields(check: str, table: str, row_id: int, idn: str, birth, sex, label: str) -> Iterator[Mismatch]:
    try:
        info = parse_id_number(idn)
    except DomainError:
        yield Mismatch(check, table, row_id, "id_number", _masked(idn), "有效的身份证号码", label)
        return
    if _as_date(birth) != info.birth_date:
        yield Mismatch(check, table, row_id, "birth_date", str(birth), info.birth_date.isoformat(), label)
    if sex != info.sex:
        yield Mismatch(check, table, row_id, "sex", sex, info.sex, label)


def _as_date(value) -> date | None:
    try:
        return as_date(value)
    except ValueError:
        return None


def _masked(idn: str | None) -> str | None:
    return mask_id_number(idn) if idn else idn


# -- the service -----------------------------------------------------------------------------
class ConsistencyService(ServiceBase):
    def check(self, limit: int = 200) -> ConsistencyReport:
        """Recompute every stored derived value; report each mismatch (up to ``limit``
        listed per check, counted exactly). For the server operator: reads everything."""

        def run() -> ConsistencyReport:
            base = self._base()
            counts, listed = [], []
            for name, fn in CHECKS.items():
                n = 0
                for mismatch in fn(base):
                    if n < limit:
                        listed.append(mismatch)
                    n += 1
                counts.append((name, n))
            checked = {"org": len(base.orgs), **base.checked}
            return ConsistencyReport(tuple(checked.items()), tuple(counts), tuple(listed))

        return self.read(run)

    def _base(self) -> Base:
        cols = ", ".join(_ORG_VALUE_COLUMNS)
        orgs: dict[int, OrgRow] = {}
        for r in self.s.select(
                f"SELECT id, parent_id, path, depth, category, cat_group, short_name, cohort, info_complete,"
                f" name_initials, {cols} FROM org"):
            oid = int(r[0])
            orgs[oid] = OrgRow(oid, int(r[1]) if r[1] is not None else None, r[2], int(r[3]), r[4], r[5], r[6],
                               int(r[7]) if r[7] is not None else None, bool(r[8]),
                               dict(zip(_ORG_VALUE_COLUMNS, r[10:], strict=True)), r[9])
        paths, depths = tree_paths.from_parents({oid: o.parent_id for oid, o in orgs.items()})
        secretaries = {
            int(org): (int(cid), idn, int(mid) if mid is not None else None)
            for cid, org, idn, mid in self.s.select(
                "SELECT id, org, id_number, member FROM cadre WHERE post = $p AND end_date IS NULL",
                {"p": SECRETARY_POST})
        }
        return Base(self.s, self.s.provider, orgs, paths, depths, secretaries)


# The stored counts' checks register themselves after those above (the report's order).
from zhtj_tui.services import consistency_counts  # noqa: E402, F401

__all__ = ["ConsistencyService", "ConsistencyReport", "Mismatch", "Base", "CHECKS", "derived_check"]
