"""Deadline tasks set by committees for their subtrees (R-PROG-3)."""

from __future__ import annotations

from datetime import date

from pony.orm import select

from zhtj_tui.db.tally import HOSTS, PROBLEM_CONDITIONS, TREE_UNDONE
from zhtj_tui.domain import paths
from zhtj_tui.domain.dates import parse_date
from zhtj_tui.domain.errors import DomainError, Forbidden, NotFound
from zhtj_tui.domain.text import clean_text
from zhtj_tui.services.base import subtree_upper
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress.base import ProgressBase
from zhtj_tui.services.progress.dto import MISSING_LIMIT, SEED_TASKS, TASK_KINDS, MissingOrg, TaskView


class TasksPart(ProgressBase):
    # -- R-PROG-3 -----------------------------------------------------------------------
    def tasks(self, actor: Actor, org_id: int, limit: int = MISSING_LIMIT) -> tuple[TaskView, ...]:
        """The tasks that apply to ``org_id`` (set by it or an ancestor), each evaluated
        over ``org_id``'s subtree, by due date."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._tasks(actor, org, limit)

        return self.read(run)

    def _tasks(self, actor: Actor, org, limit: int) -> tuple[TaskView, ...]:
        ancestor_ids = paths.ids(org.path)
        rows = select(t for t in self.s.DeadlineTask if t.org.id in ancestor_ids).order_by(lambda t: (t.due, t.id))[:]
        return tuple(self._evaluate(actor, t, org, limit) for t in rows)

    def task(self, actor: Actor, task_id: int, org_id: int | None = None, limit: int = MISSING_LIMIT) -> TaskView:
        """One task, evaluated over ``org_id``'s subtree (default: the actor's organisation)."""

        def run():
            t = self._task_row(task_id)
            scope = self.visible_org(actor, org_id or actor.org_id or t.org.id)
            if not paths.inside(scope.path, t.org.path):
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

    def _clean_task(self, name: str, kind: str, due: date | str, cohort: int | None) -> dict:
        title = clean_text(name, "name", required=True, label="任务名称", limit_of="task_name")
        if kind not in TASK_KINDS:
            raise DomainError("任务类型只能是：" + "；".join(TASK_KINDS.values()), "kind", "task_kind")
        due = parse_date(due, "due", "截止日期")
        if cohort is not None and not (isinstance(cohort, int) and 1950 <= cohort <= 2100):
            raise DomainError("入学年级应为四位年份，例如 2018", "cohort", "cohort")
        if kind == "cohort_branches" and cohort is None:
            raise DomainError("团支部建立任务须指定入学年级，例如 2018", "cohort", "required")
        if kind == "tree_complete":
            cohort = None  # the whole tree, every cohort
        return {"name": title, "kind": kind, "due": due, "cohort": cohort}

    def _evaluate(self, actor: Actor, t, scope, limit: int) -> TaskView:
        lo, hi = scope.path, subtree_upper(scope.path)
        params = {"lo": lo, "hi": hi, "lim": limit, "y": t.cohort, "x": scope.id}
        if t.kind == "cohort_branches":
            total, done, missing_count, rows = self._cohort_task(params, limit)
            complete = total > 0 and missing_count == 0
        elif t.kind == "tree_complete":
            total, done, missing_count, rows = self._tree_task(params, limit)
            complete = total > 0 and missing_count == 0
        else:
            total, done, missing_count, rows = self._members_task(params, limit, t.cohort)
            complete = total > 0 and done == total
        names = self.names_along_all([r[1] for r in rows])
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

    # Each task reads the counts kept per organisation (db.tally): the scope's totals, its
    # counts for one cohort, or the problems' partial indexes; none scans the subtree's
    # members, and the lists stop at their limit.
    def _scope_totals(self, params: dict) -> tuple:
        return self._rows("SELECT t_br, t_brm, t_orgs FROM org_tally WHERE path = $lo", params)[0]

    def _cohort_counts(self, params: dict) -> tuple[int, ...]:
        """The scope's counts for cohort ``$y`` (``org_cohort_tally``; no row: none): its
        branches, those done (secretary and administrator), those with an active member,
        then the committees the task looks at: named for the cohort, and holding one."""
        rows = self._rows("SELECT br, br_done, br_mem, h_own, h_has FROM org_cohort_tally "
                          "WHERE org_id = $x AND cohort = $y", params)
        return tuple(int(v) for v in rows[0]) if rows else (0, 0, 0, 0, 0)

    def _members_task(self, params: dict, limit: int, cohort: int | None) -> tuple[int, int, int, list[tuple]]:
        """``members_entered``: branches (of the cohort) with an active member."""
        if cohort is None:
            total, done, _ = map(int, self._scope_totals(params))
            missing_count = total - done
            rows = self._rows(f"""
                SELECT t.org_id, t.path, 8 FROM org_tally t
                WHERE t.path >= $lo AND t.path < $hi AND {PROBLEM_CONDITIONS['branch_no_members']}
                ORDER BY t.path LIMIT $lim""", params) if limit and missing_count else []
            return total, done, missing_count, rows
        total, _, done, _, _ = self._cohort_counts(params)
        branches = "FROM org o JOIN org_tally t ON t.org_id = o.id " \
                   "WHERE o.cohort = $y AND o.path >= $lo AND o.path < $hi AND o.cat_group = 'branch'"
        rows = self._rows(f"SELECT o.id, o.path, 8 {branches} AND t.m = 0 ORDER BY o.path LIMIT $lim",
                          params) if limit and total > done else []
        return total, done, total - done, rows

    def _cohort_task(self, params: dict, limit: int) -> tuple[int, int, int, list[tuple]]:
        """``cohort_branches``: the cohort's branches with a secretary and an administrator,
        and the committees and general branches that should hold one and do not."""
        total, done, _, h_own, h_has = self._cohort_counts(params)
        branches = "FROM org o JOIN org_tally t ON t.org_id = o.id " \
                   "WHERE o.cohort = $y AND o.path >= $lo AND o.path < $hi AND o.cat_group = 'branch'"
        undone_sql = f"SELECT o.id, o.path, (1 - t.s) + CASE WHEN t.a > 0 THEN 0 ELSE 2 END {branches} " \
                     "AND NOT (t.s > 0 AND t.a > 0)"
        # The committees missing a branch of Y, counted from the kept counts (db.tally:
        # looked at and named for no cohort, plus named for Y, less those holding one).
        h_open = int(self._rows("SELECT h_open FROM org_tally WHERE org_id = $x", params)[0][0])
        n_hosts = h_open + h_own - h_has
        # Listed (when asked) from the subtree's committees in path order: a committee
        # holds class branches when it has a row with branches in org_cohort_tally, one
        # of cohort Y when that row is Y's; the list stops at its limit.
        hosts_sql = f"""
            SELECT t.org_id, t.path, CASE WHEN t.t_br > 0 THEN 4 ELSE 5 END FROM org_tally t
            WHERE {HOSTS} AND t.path >= $lo AND t.path < $hi AND (t.cohort IS NULL OR t.cohort = $y)
              AND (t.t_br = 0 OR EXISTS (SELECT 1 FROM org_cohort_tally c WHERE c.org_id = t.org_id AND c.br > 0))
              AND NOT EXISTS (SELECT 1 FROM org_cohort_tally c
                              WHERE c.org_id = t.org_id AND c.cohort = $y AND c.br > 0)
            ORDER BY t.path LIMIT $lim"""
        hosts = self._rows(hosts_sql, params) if limit and n_hosts else []
        n_undone = total - done
        undone = self._rows(undone_sql + " ORDER BY o.path LIMIT $lim", params) if limit and n_undone else []
        return total, done, n_hosts + n_undone, (hosts + undone)[:limit]

    def _tree_task(self, params: dict, limit: int) -> tuple[int, int, int, list[tuple]]:
        """``tree_complete`` (R-TREE-3): each organisation's missing pieces as bits: 1 no
        secretary, 2 no administrator, 16 a committee or general branch with no branch below."""
        lack = f"""(1 - t.s) + CASE WHEN t.a > 0 THEN 0 ELSE 2 END
            + CASE WHEN {PROBLEM_CONDITIONS['no_branch']} THEN 16 ELSE 0 END"""
        sql = f"""SELECT t.org_id AS id, t.path AS path, {lack} AS lack FROM org_tally t
                  WHERE t.path >= $lo AND t.path < $hi AND ({TREE_UNDONE})"""
        total = int(self._scope_totals(params)[2])
        undone = int(self._rows(f"SELECT count(*) FROM ({sql}) u", params)[0][0])
        # The organisations missing most first (all three, then two...), by path within.
        rows = self._rows(f"SELECT u.id, u.path, u.lack FROM ({sql}) u "
                          "ORDER BY (u.lack / 16) + (u.lack % 16) / 2 + (u.lack % 2) DESC, u.path LIMIT $lim",
                          params | {"lim": limit}) if limit and undone else []
        return total, total - undone, undone, rows


def _missing_reason(code: int, cohort: int | None) -> str:
    if code == 4:
        return f"尚未建立{cohort}级团支部"
    if code == 5:
        return f"尚未建立任何团支部（应有{cohort}级团支部）"
    if code == 8:
        return "尚未录入团员"
    parts = []
    if code & 16:
        parts.append("下面没有团支部")
    if code & 1:
        parts.append("未录入书记")
    if code & 2:
        parts.append("没有管理员")
    return "、".join(parts)


def _task_snapshot(t) -> dict:
    return {"name": t.name, "kind": t.kind, "cohort": t.cohort, "due": t.due.isoformat()}
