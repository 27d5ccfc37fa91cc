"""Progress supervision (SPEC §8): entry progress per direct child rolled up over its
subtree (R-PROG-2), the completeness problems of R-TREE-3, and deadline tasks (R-PROG-3).

Every figure is computed when asked, from the database, with a handful of aggregate
queries over the materialized path (DESIGN rule 7): each direct child ``c`` is joined to
the organisations whose path lies in ``[c.path, c.path[:-1] + '0')`` (an index range seek
per child on SQLite and PostgreSQL alike), and the active members of the whole subtree
are read in one ordered scan of a partial index, grouped per branch, then per child by
the path's next segment. Nothing issues a query per organisation.

Definitions (documented here once, shown to users by the screens and the CLI):

* *active member*: ``member.status = '1'`` (正常); *超龄*: aged 28 or over today
  (``domain.joinage.over_age_cutoff``).
* *administrator registered*: at least one active ``AdminRole``.
* *secretary entered*: an open 书记 holding (``cadre.secretary_of``).
* Completeness problems (R-TREE-3), scope = the organisation and its whole subtree:
  errors: a committee or general branch with no branch anywhere below it; a general branch
  with a child that is not a branch; no secretary; no registered administrator; incomplete
  information; a branch with no member. Warnings: a branch with 1 or 2 members (the
  constitution asks for 3); a branch with 超龄 members (R-MEM-5); an unused registration code of a descendant that expires
  within ``EXPIRY_WARN_DAYS`` days.
* Deadline tasks, evaluated over the *viewer's* subtree (a task set by the university
  shows each college its own share):
  - ``cohort_branches`` (cohort Y): total = branches of cohort Y; done = those with a
    secretary and a registered administrator. Missing = each such branch not done, plus
    each committee or general branch that already holds class branches (some branch with a
    cohort below it) but none of cohort Y, unless its own name names another year
    ("2017级团总支" is not expected to hold 2018 branches). Complete when total > 0 and
    nothing is missing.
  - ``members_entered`` (optionally one cohort): total = branches (of that cohort);
    done = branches with at least one active member (*decision*: "entered" means the
    branch has begun; fewer than 3 members is the separate warning of ``check``).
    Complete when total > 0 and done == total.
  A task is overdue when today (China date) is after its due date and it is not complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pony.orm import select

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError, Forbidden, NotFound
from zhtj_tui.domain.joinage import over_age_cutoff
from zhtj_tui.domain.text import clean_text
from zhtj_tui.services.base import ServiceBase, subtree_upper
from zhtj_tui.services.dto import Actor

#: A branch with fewer members than this is warned about (团章: 3 members form a branch).
MIN_BRANCH_MEMBERS = 3
#: Unused codes expiring within this many days are warned about.
EXPIRY_WARN_DAYS = 3
#: Problems listed per kind (the counts are always exact).
PROBLEM_LIMIT = 200
#: Missing organisations listed per task (the count is always exact).
MISSING_LIMIT = 100

ERROR = "错误"
WARNING = "警告"

TASK_KINDS = {
    "cohort_branches": "团支部建立（指定入学年级，每个团支部须有书记和管理员）",
    "members_entered": "团员信息录入（所有团支部，可指定年级）",
}

#: The seed notice's two tasks (R-PROG-3): name, kind, due (month, day) in the campaign's year.
SEED_TASKS = (
    ("{cohort}级新生团支部建立", "cohort_branches", (11, 9)),
    ("全部团员信息录入", "members_entered", (11, 15)),
)

#: Problem kinds in display order: (kind, severity, title).
PROBLEM_KINDS: tuple[tuple[str, str, str], ...] = (
    ("no_branch", ERROR, "团委/团总支下没有团支部"),
    ("general_branch_non_branch_child", ERROR, "团总支下有非团支部的下级组织"),
    ("no_secretary", ERROR, "未录入书记信息"),
    ("no_admin", ERROR, "没有已注册的管理员"),
    ("info_incomplete", ERROR, "组织信息不完整"),
    ("branch_no_members", ERROR, "团支部没有团员"),
    ("branch_few_members", WARNING, f"团支部团员少于{MIN_BRANCH_MEMBERS}人"),
    ("branch_over_age", WARNING, "团支部有超龄团员（满28周岁）"),
    ("code_expiring", WARNING, f"管理员注册码{EXPIRY_WARN_DAYS}天内过期且未使用"),
)
PROBLEM_TITLES = {k: t for k, _, t in PROBLEM_KINDS}
PROBLEM_SEVERITY = {k: s for k, s, _ in PROBLEM_KINDS}


# -- what the service returns ----------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """Counts over one subtree (the organisation itself included)."""

    orgs: int = 0
    info_complete: int = 0
    secretaries: int = 0
    with_admin: int = 0
    branches: int = 0
    branches_with_members: int = 0
    members: int = 0
    over_age: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.orgs, self.info_complete, self.secretaries, self.with_admin, self.branches,
                self.branches_with_members, self.members, self.over_age)

    def ratios(self) -> dict[str, float]:
        """The four bars of the progress window: share of organisations with complete
        information, with a secretary, with an administrator; share of branches with members."""
        n = max(self.orgs, 1)
        return {
            "info": self.info_complete / n,
            "secretary": self.secretaries / n,
            "admin": self.with_admin / n,
            "members": (self.branches_with_members / self.branches) if self.branches else 0.0,
        }

    def score(self) -> float:
        r = self.ratios()
        return sum(r.values()) / len(r)

    def as_dict(self) -> dict[str, int]:
        return {
            "orgs": self.orgs, "info_complete": self.info_complete, "secretaries": self.secretaries,
            "with_admin": self.with_admin, "branches": self.branches,
            "branches_with_members": self.branches_with_members, "members": self.members,
            "over_age": self.over_age,
        }


@dataclass(frozen=True)
class ChildProgress:
    id: int
    short_name: str
    category_name: str
    group: str
    #: The child's own state.
    info_complete: bool
    has_secretary: bool
    has_admin: bool
    #: Rolled up over the child's whole subtree (the child included).
    figures: Figures
    child_count: int = 0
    #: The completeness problems of the child's subtree (the child included), as
    #: ``(kind, count)`` for the kinds that occur, in ``PROBLEM_KINDS`` order; the same
    #: definitions as ``problems`` (``zhtj check``), counted per direct child.
    problems: tuple[tuple[str, int], ...] = ()

    @property
    def is_branch(self) -> bool:
        return self.group == "branch"


@dataclass(frozen=True)
class Progress:
    org_id: int
    short_name: str
    category_name: str
    group: str
    path_names: tuple[str, ...]
    today: date
    #: Direct children, worst first (lowest mean of the four ratios), then by name.
    children: tuple[ChildProgress, ...]
    #: The organisation alone (orgs == 1) and its whole subtree.
    own: Figures
    total: Figures

    @property
    def path_text(self) -> str:
        return " / ".join(self.path_names)


@dataclass(frozen=True)
class Problem:
    kind: str
    severity: str
    org_id: int
    org_name: str
    path_names: tuple[str, ...]
    detail: str = ""

    @property
    def title(self) -> str:
        return PROBLEM_TITLES[self.kind]

    @property
    def path_text(self) -> str:
        return " / ".join(self.path_names)


@dataclass(frozen=True)
class Problems:
    org_id: int
    #: Exact count per kind (kinds with none included, as 0), in display order.
    counts: tuple[tuple[str, int], ...]
    #: Up to ``limit`` problems per kind, errors first, by path within a kind.
    items: tuple[Problem, ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def errors(self) -> int:
        return sum(n for k, n in self.counts if PROBLEM_SEVERITY[k] == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for k, n in self.counts if PROBLEM_SEVERITY[k] == WARNING)

    def count(self, kind: str) -> int:
        return dict(self.counts)[kind]


@dataclass(frozen=True)
class MissingOrg:
    org_id: int
    org_name: str
    path_names: tuple[str, ...]
    reason: str

    @property
    def path_text(self) -> str:
        return " / ".join(self.path_names)


@dataclass(frozen=True)
class TaskView:
    id: int
    #: The organisation that set the task (the viewer's or an ancestor).
    org_id: int
    org_name: str
    name: str
    kind: str
    kind_name: str
    cohort: int | None
    due: date
    #: Evaluated over the viewer's subtree.
    done: int
    total: int
    complete: bool
    overdue: bool
    days_left: int
    missing_count: int
    missing: tuple[MissingOrg, ...] = field(default_factory=tuple)
    #: May the viewer edit or delete it (set by the viewer's own organisation)?
    editable: bool = False


# -- the service -----------------------------------------------------------------------------
_UPPER = "(substr({p}, 1, length({p}) - 1) || '0')"


def _upper(col: str) -> str:
    """SQL for the subtree upper bound of a path column (see ``subtree_upper``)."""
    return _UPPER.format(p=col)


class ProgressService(ServiceBase):
    # -- R-PROG-2 -----------------------------------------------------------------------
    def progress(self, actor: Actor, org_id: int) -> Progress:
        """Progress of ``org_id``'s direct children, each rolled up over its subtree."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._progress(org)

        return self.read(run)

    def _progress(self, org) -> Progress:
        today = self.settings.today()
        cutoff = self._date(over_age_cutoff(today, self.settings.join_age))
        x = org.id
        # Organisations of each child's subtree; secretaries by a join on the unique
        # cadre.secretary_of, administrators by a set the database builds once. CROSS JOIN
        # keeps the children outermost on SQLite even without ANALYZE statistics (else it
        # may scan every organisation); PostgreSQL plans it like any inner join.
        org_sql = f"""
            SELECT c.id, count(*),
              SUM(CASE WHEN o.info_complete THEN 1 ELSE 0 END),
              SUM(CASE WHEN s.id IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.id IN (SELECT r.org FROM admin_role r WHERE r.active) THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'branch' THEN 1 ELSE 0 END)
            FROM org c
            CROSS JOIN org o
            LEFT JOIN cadre s ON s.secretary_of = o.id
            WHERE c.parent_id = $x AND o.path >= c.path AND o.path < {_upper('c.path')}
            GROUP BY c.id"""
        # Members: one ordered scan of the active-member index over the whole subtree,
        # grouped per branch (a member's path is its branch's: the number of groups is the
        # number of branches with members), then per child, whose path is the branch
        # path's prefix up to the next '/'.
        pos = "instr" if self.s.provider == "sqlite" else "strpos"
        member_sql = f"""
            SELECT substr(mb.path, 1, $plen + {pos}(substr(mb.path, $plen + 1), '/')),
                   count(*), SUM(mb.n), SUM(mb.old)
            FROM (SELECT m.path AS path, count(*) AS n,
                         SUM(CASE WHEN m.birth_date <= $cutoff THEN 1 ELSE 0 END) AS old
                  FROM member m WHERE m.path > $lo AND m.path < $hi AND m.status = '1'
                  GROUP BY m.path) mb
            GROUP BY 1"""
        own_sql = """
            SELECT c.id, c.short_name, c.category, c.cat_group, c.info_complete, c.path,
              CASE WHEN EXISTS (SELECT 1 FROM cadre s WHERE s.secretary_of = c.id) THEN 1 ELSE 0 END,
              CASE WHEN EXISTS (SELECT 1 FROM admin_role r WHERE r.org = c.id AND r.active) THEN 1 ELSE 0 END,
              (SELECT count(*) FROM org k WHERE k.parent_id = c.id)
            FROM org c
            WHERE c.parent_id = $x OR c.id = $x"""
        own_members_sql = """
            SELECT count(*), SUM(CASE WHEN m.birth_date <= $cutoff THEN 1 ELSE 0 END)
            FROM member m WHERE m.path = $p AND m.status = '1'"""
        params = {"x": x, "cutoff": cutoff, "p": org.path, "lo": org.path, "hi": subtree_upper(org.path),
                  "plen": len(org.path)}
        orgs = {r[0]: r[1:] for r in self._rows(org_sql, params)}
        members = {r[0]: r[1:] for r in self._rows(member_sql, params)}
        problems = self._child_problems(org, cutoff)
        own_rows = self._rows(own_sql, params)
        own_m = self._rows(own_members_sql, params)[0]
        children = []
        own = Figures()
        for cid, name, cat, group, info, cpath, sec, adm, kids in own_rows:
            if cid == x:
                n_members = int(own_m[0] or 0)
                own = Figures(
                    orgs=1, info_complete=int(bool(info)), secretaries=int(sec), with_admin=int(adm),
                    branches=int(group == "branch"), branches_with_members=int(group == "branch" and n_members > 0),
                    members=n_members, over_age=int(own_m[1] or 0),
                )
                continue
            o = orgs.get(cid, (1, 0, 0, 0, 0))
            m = members.get(cpath, (0, 0, 0))
            figures = Figures(*(int(v or 0) for v in o), branches_with_members=int(m[0] or 0),
                              members=int(m[1] or 0), over_age=int(m[2] or 0))
            children.append(ChildProgress(
                id=cid, short_name=name, category_name=rules.category(cat).name, group=group,
                info_complete=bool(info), has_secretary=bool(sec), has_admin=bool(adm),
                figures=figures, child_count=int(kids or 0), problems=problems.get(cpath, ()),
            ))
        children.sort(key=lambda c: (c.figures.score(), c.short_name, c.id))
        total = own
        for c in children:
            total = total + c.figures
        return Progress(
            org_id=x, short_name=org.short_name, category_name=rules.category(org.category).name,
            group=org.group, path_names=self._path_names([org.path])[org.path], today=today,
            children=tuple(children), own=own, total=total,
        )

    def _child_problems(self, org, cutoff) -> dict[str, tuple[tuple[str, int], ...]]:
        """The counts of ``problems`` per direct child of ``org`` (keyed by the child's path):
        one pass over the subtree's organisations, each attributed to the child whose path
        is its path's prefix up to the next '/', plus the expiring codes."""
        pos = "instr" if self.s.provider == "sqlite" else "strpos"
        sql = f"""
            SELECT substr(o.path, 1, $plen + {pos}(substr(o.path, $plen + 1), '/')),
              SUM(CASE WHEN o.cat_group IN ('committee', 'general_branch')
                        AND NOT EXISTS (SELECT 1 FROM org b WHERE b.cat_group = 'branch'
                                        AND b.path > o.path AND b.path < {_upper('o.path')}) THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'general_branch' AND EXISTS
                        (SELECT 1 FROM org k WHERE k.parent_id = o.id AND k.cat_group <> 'branch') THEN 1 ELSE 0 END),
              SUM(CASE WHEN s.id IS NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.id IN (SELECT r.org FROM admin_role r WHERE r.active) THEN 0 ELSE 1 END),
              SUM(CASE WHEN o.info_complete THEN 0 ELSE 1 END),
              SUM(CASE WHEN o.cat_group = 'branch' AND mc.n IS NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'branch' AND mc.n < {MIN_BRANCH_MEMBERS} THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'branch' AND mc.old > 0 THEN 1 ELSE 0 END)
            FROM org o
            LEFT JOIN cadre s ON s.secretary_of = o.id
            LEFT JOIN (SELECT m.path AS path, count(*) AS n,
                              SUM(CASE WHEN m.birth_date <= $cutoff THEN 1 ELSE 0 END) AS old
                       FROM member m WHERE m.path > $lo AND m.path < $hi AND m.status = '1'
                       GROUP BY m.path) mc ON mc.path = o.path
            WHERE o.path > $lo AND o.path < $hi
            GROUP BY 1"""
        params = {"lo": org.path, "hi": subtree_upper(org.path), "plen": len(org.path), "cutoff": cutoff}
        kinds = [k for k, _, _ in PROBLEM_KINDS if k != "code_expiring"]
        counts: dict[str, dict[str, int]] = {
            r[0]: dict(zip(kinds, (int(v or 0) for v in r[1:]), strict=True)) for r in self._rows(sql, params)}
        plen = len(org.path)
        for _oid, path, _exp in self._expiring_codes(org.path, params["hi"]):
            child = path[:path.index("/", plen) + 1]
            counts.setdefault(child, {})
            counts[child]["code_expiring"] = counts[child].get("code_expiring", 0) + 1
        return {path: tuple((k, c[k]) for k, _, _ in PROBLEM_KINDS if c.get(k)) for path, c in counts.items()}

    def _expiring_codes(self, lo: str, hi: str) -> list[tuple]:
        """Unused codes of the subtree below ``lo`` that expire within ``EXPIRY_WARN_DAYS``
        days, as (org id, org path, expiry) by path; the small reg_code table, through the
        ORM (it converts the datetimes)."""
        now = self.now()
        soon = now + timedelta(days=EXPIRY_WARN_DAYS)
        codes = select(
            (c.org.id, c.org.path, c.expires_at) for c in self.s.RegCode
            if c.used_at is None and c.revoked_at is None and c.expires_at > now and c.expires_at <= soon
            and c.org.path > lo and c.org.path < hi
        )
        return sorted(codes[:], key=lambda r: (r[1], r[2]))

    # -- R-TREE-3 -----------------------------------------------------------------------
    def problems(self, actor: Actor, org_id: int, limit: int = PROBLEM_LIMIT) -> Problems:
        """The completeness problems of ``org_id`` and its subtree: exact counts per kind,
        and up to ``limit`` of each kind by path."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._problems(org, max(0, limit))

        return self.read(run)

    def _problems(self, org, limit: int) -> Problems:
        lo, hi = org.path, subtree_upper(org.path)
        cutoff = self._date(over_age_cutoff(self.settings.today(), self.settings.join_age))
        params = {"lo": lo, "hi": hi, "lim": limit, "cutoff": cutoff}
        in_tree = "o.path >= $lo AND o.path < $hi"
        member_counts = """
            SELECT m.path AS path, count(*) AS n FROM member m
            WHERE m.path >= $lo AND m.path < $hi AND m.status = '1' GROUP BY m.path"""
        queries = {
            "no_branch": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND o.cat_group IN ('committee', 'general_branch')
                  AND NOT EXISTS (SELECT 1 FROM org b WHERE b.cat_group = 'branch'
                                  AND b.path > o.path AND b.path < {_upper('o.path')})""",
            "general_branch_non_branch_child": f"""
                SELECT o.id, o.path, min(k.short_name) FROM org o JOIN org k ON k.parent_id = o.id
                WHERE {in_tree} AND o.cat_group = 'general_branch' AND k.cat_group <> 'branch'
                GROUP BY o.id, o.path""",
            "no_secretary": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND NOT EXISTS (SELECT 1 FROM cadre s WHERE s.secretary_of = o.id)""",
            "no_admin": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND NOT EXISTS (SELECT 1 FROM admin_role r WHERE r.org = o.id AND r.active)""",
            "info_incomplete": f"""
                SELECT o.id, o.path, '' FROM org o WHERE {in_tree} AND NOT o.info_complete""",
            "branch_no_members": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND o.cat_group = 'branch'
                  AND NOT EXISTS (SELECT 1 FROM member m WHERE m.path = o.path AND m.status = '1')""",
            "branch_few_members": f"""
                SELECT o.id, o.path, mc.n FROM org o JOIN ({member_counts}) mc ON mc.path = o.path
                WHERE {in_tree} AND o.cat_group = 'branch' AND mc.n < {MIN_BRANCH_MEMBERS}""",
            "branch_over_age": f"""
                SELECT o.id, o.path, mo.n FROM org o
                JOIN (SELECT m.path AS path, count(*) AS n FROM member m
                      WHERE m.path >= $lo AND m.path < $hi AND m.status = '1' AND m.birth_date <= $cutoff
                      GROUP BY m.path) mo ON mo.path = o.path
                WHERE {in_tree} AND o.cat_group = 'branch'""",
        }
        found: dict[str, tuple[int, list[tuple]]] = {}
        for kind, sql in queries.items():
            found[kind] = self._windowed(sql, params)
        code_rows = self._expiring_codes(lo, hi)
        found["code_expiring"] = (len(code_rows), [
            (oid, path, f"有效期至 {self.settings.fmt(exp)}") for oid, path, exp in code_rows[:limit]])
        paths = [row[1] for _, rows in found.values() for row in rows]
        names = self._path_names(paths)
        items = []
        for kind, severity, _ in PROBLEM_KINDS:
            for oid, path, extra in found[kind][1]:
                items.append(Problem(kind, severity, oid, names[path][-1], names[path], _detail(kind, extra)))
        counts = tuple((kind, found[kind][0]) for kind, _, _ in PROBLEM_KINDS)
        return Problems(org.id, counts, tuple(items))

    def _windowed(self, sql: str, params: dict) -> tuple[int, list[tuple]]:
        """The exact count and the first ``$lim`` rows by path, in one query."""
        rows = self._rows(f"SELECT t.*, count(*) OVER () FROM ({sql}) t ORDER BY 2 LIMIT $lim", params)
        if rows:
            return int(rows[0][-1]), [r[:3] for r in rows]
        if params["lim"] == 0:
            return int(self._rows(f"SELECT count(*) FROM ({sql}) t", params)[0][0]), []
        return 0, []

    # -- R-PROG-3 -----------------------------------------------------------------------
    def tasks(self, actor: Actor, org_id: int, limit: int = MISSING_LIMIT) -> tuple[TaskView, ...]:
        """The tasks that apply to ``org_id`` (set by it or an ancestor), each evaluated
        over ``org_id``'s subtree, by due date."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._tasks(actor, org, limit)

        return self.read(run)

    def _tasks(self, actor: Actor, org, limit: int) -> tuple[TaskView, ...]:
        ancestor_ids = [int(x) for x in org.path.strip("/").split("/") if x]
        rows = select(t for t in self.s.DeadlineTask if t.org.id in ancestor_ids).order_by(lambda t: (t.due, t.id))[:]
        return tuple(self._evaluate(actor, t, org, limit) for t in rows)

    def task(self, actor: Actor, task_id: int, org_id: int | None = None, limit: int = MISSING_LIMIT) -> TaskView:
        """One task, evaluated over ``org_id``'s subtree (default: the actor's organisation)."""

        def run():
            t = self._task_row(task_id)
            scope = self.visible_org(actor, org_id or actor.org_id or t.org.id)
            if not scope.path.startswith(t.org.path):
                raise NotFound("该任务不适用于此组织", None, "task_not_found")
            return self._evaluate(actor, t, scope, limit)

        return self.read(run)

    def create_task(self, actor: Actor, org_id: int, name: str, kind: str, due: date,
                    cohort: int | None = None) -> TaskView:
        """A committee or general branch administrator sets a task for its subtree."""
        values = self._clean_task(name, kind, due, cohort)

        def run():
            org = self._task_owner(actor, org_id)
            t = self.s.DeadlineTask(org=org, created_at=self.now(), created_by=actor.account_id, **values)
            t.flush()
            self.audit(actor, "task.create", "task", t.id, org, after=_task_snapshot(t))
            return self._evaluate(actor, t, org, MISSING_LIMIT)

        return self.write(run)

    def create_seed_tasks(self, actor: Actor, org_id: int, year: int, cohort: int | None = None) -> tuple[TaskView, ...]:
        """The seed's two tasks (cohort branches by 11-09, all members by 11-15) for the
        campaign of ``year`` (the new cohort defaults to ``year``); for demo databases."""
        cohort = year if cohort is None else cohort
        return tuple(
            self.create_task(actor, org_id, name.format(cohort=cohort), kind, date(year, month, day),
                             cohort if kind == "cohort_branches" else None)
            for name, kind, (month, day) in SEED_TASKS
        )

    def update_task(self, actor: Actor, task_id: int, name: str, kind: str, due: date,
                    cohort: int | None = None) -> TaskView:
        values = self._clean_task(name, kind, due, cohort)

        def run():
            t = self._task_row(task_id)
            org = self._task_owner(actor, t.org.id)
            before = _task_snapshot(t)
            for key, value in values.items():
                setattr(t, key, value)
            self.audit(actor, "task.update", "task", t.id, org, before=before, after=_task_snapshot(t))
            return self._evaluate(actor, t, org, MISSING_LIMIT)

        return self.write(run)

    def delete_task(self, actor: Actor, task_id: int) -> None:
        def run():
            t = self._task_row(task_id)
            org = self._task_owner(actor, t.org.id)
            self.audit(actor, "task.delete", "task", t.id, org, before=_task_snapshot(t))
            t.delete()

        self.write(run)

    def _task_row(self, task_id: int):
        t = self.s.DeadlineTask.get(id=task_id) if isinstance(task_id, int) else None
        if t is None:
            raise NotFound("该任务不存在或已被删除", None, "task_not_found")
        return t

    def _task_owner(self, actor: Actor, org_id: int):
        org = self.org(org_id) if actor.operator else self.own_org(actor, org_id)
        if org.group == "branch":
            raise Forbidden("团支部没有下级组织，不能设置录入任务；任务由团委或团总支设置", None, "task_branch")
        if not actor.operator and org.id != actor.org_id:
            raise Forbidden("只能修改本组织设置的任务", None, "task_not_own")
        return org

    def _clean_task(self, name: str, kind: str, due: date, cohort: int | None) -> dict:
        title = clean_text(name, "name", required=True, label="任务名称")
        if len(title) > 60:
            raise DomainError("任务名称不能超过60个字", "name", "too_long")
        if kind not in TASK_KINDS:
            raise DomainError("任务类型只能是：" + "；".join(TASK_KINDS.values()), "kind", "task_kind")
        if not isinstance(due, date):
            raise DomainError("请填写截止日期，例如 2026-11-15", "due", "required")
        if cohort is not None and not (isinstance(cohort, int) and 1950 <= cohort <= 2100):
            raise DomainError("入学年级应为四位年份，例如 2018", "cohort", "cohort")
        if kind == "cohort_branches" and cohort is None:
            raise DomainError("团支部建立任务须指定入学年级，例如 2018", "cohort", "required")
        return {"name": title, "kind": kind, "due": due, "cohort": cohort}

    def _evaluate(self, actor: Actor, t, scope, limit: int) -> TaskView:
        lo, hi = scope.path, subtree_upper(scope.path)
        params = {"lo": lo, "hi": hi, "lim": limit, "y": t.cohort}
        in_tree = "o.path >= $lo AND o.path < $hi"
        cohort_filter = "" if t.cohort is None else " AND o.cohort = $y"
        if t.kind == "cohort_branches":
            has_sec = "EXISTS (SELECT 1 FROM cadre s WHERE s.secretary_of = o.id)"
            has_adm = "EXISTS (SELECT 1 FROM admin_role r WHERE r.org = o.id AND r.active)"
            counts = self._rows(f"""
                SELECT count(*), SUM(CASE WHEN {has_sec} AND {has_adm} THEN 1 ELSE 0 END)
                FROM org o WHERE {in_tree} AND o.cat_group = 'branch' AND o.cohort = $y""", params)[0]
            total, done = int(counts[0] or 0), int(counts[1] or 0)
            undone_sql = f"""
                SELECT o.id, o.path,
                  CASE WHEN {has_sec} THEN 0 ELSE 1 END + CASE WHEN {has_adm} THEN 0 ELSE 2 END
                FROM org o WHERE {in_tree} AND o.cat_group = 'branch' AND o.cohort = $y
                  AND NOT ({has_sec} AND {has_adm})"""
            params |= {"ylike": f"%{t.cohort}级%", "anyyear": "%级%"}
            hosts_sql = f"""
                SELECT o.id, o.path, 4 FROM org o
                WHERE {in_tree} AND o.cat_group IN ('committee', 'general_branch')
                  AND NOT (o.short_name LIKE $anyyear AND o.short_name NOT LIKE $ylike)
                  AND EXISTS (SELECT 1 FROM org b WHERE b.cat_group = 'branch' AND b.cohort IS NOT NULL
                              AND b.path > o.path AND b.path < {_upper('o.path')})
                  AND NOT EXISTS (SELECT 1 FROM org b WHERE b.cohort = $y AND b.cat_group = 'branch'
                                  AND b.path > o.path AND b.path < {_upper('o.path')})"""
            n_hosts, hosts = self._windowed(hosts_sql, params)
            n_undone, undone = self._windowed(undone_sql, params)
            missing_count = n_hosts + n_undone
            rows = (hosts + undone)[:limit]
            complete = total > 0 and missing_count == 0
        else:
            counts = self._rows(f"""
                SELECT count(*), SUM(CASE WHEN EXISTS
                  (SELECT 1 FROM member m WHERE m.path = o.path AND m.status = '1') THEN 1 ELSE 0 END)
                FROM org o WHERE {in_tree} AND o.cat_group = 'branch'{cohort_filter}""", params)[0]
            total, done = int(counts[0] or 0), int(counts[1] or 0)
            missing_count, rows = self._windowed(f"""
                SELECT o.id, o.path, 8 FROM org o
                WHERE {in_tree} AND o.cat_group = 'branch'{cohort_filter}
                  AND NOT EXISTS (SELECT 1 FROM member m WHERE m.path = o.path AND m.status = '1')""", params)
            complete = total > 0 and done == total
        names = self._path_names([r[1] for r in rows])
        missing = tuple(
            MissingOrg(oid, names[path][-1], names[path], _missing_reason(int(code), t.cohort))
            for oid, path, code in rows
        )
        today = self.settings.today()
        return TaskView(
            id=t.id, org_id=t.org.id, org_name=t.org.short_name, name=t.name, kind=t.kind,
            kind_name=TASK_KINDS.get(t.kind, t.kind), cohort=t.cohort, due=t.due,
            done=done, total=total, complete=complete, overdue=(today > t.due and not complete),
            days_left=(t.due - today).days, missing_count=missing_count, missing=missing,
            editable=actor.operator or actor.org_id == t.org.id,
        )

    # -- helpers -----------------------------------------------------------------------
    def _rows(self, sql: str, params: dict) -> list[tuple]:
        return list(self.s.execute(sql, params).fetchall())

    def _date(self, d: date):
        # SQLite keeps dates as ISO text; PostgreSQL as dates.
        return d.isoformat() if self.s.provider == "sqlite" else d

    def _path_names(self, paths) -> dict[str, tuple[str, ...]]:
        """Ancestor names (top first) for each path, with one query for all of them."""
        split = {p: [int(x) for x in p.strip("/").split("/") if x] for p in set(paths)}
        ids = sorted({i for v in split.values() for i in v})
        names: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            names.update(select((o.id, o.short_name) for o in self.s.Org if o.id in chunk)[:])
        return {p: tuple(names.get(i, "?") for i in v) for p, v in split.items()}


def _detail(kind: str, extra) -> str:
    if kind == "branch_few_members":
        return f"现有团员{int(extra)}人"
    if kind == "branch_over_age":
        return f"超龄团员{int(extra)}人"
    if kind == "general_branch_non_branch_child":
        return f"下级组织“{extra}”不是团支部"
    return str(extra or "")


def _missing_reason(code: int, cohort: int | None) -> str:
    if code == 4:
        return f"尚未建立{cohort}级团支部"
    if code == 8:
        return "尚未录入团员"
    parts = []
    if code & 1:
        parts.append("未录入书记")
    if code & 2:
        parts.append("没有管理员")
    return "、".join(parts)


def _task_snapshot(t) -> dict:
    return {"name": t.name, "kind": t.kind, "cohort": t.cohort, "due": t.due.isoformat()}
