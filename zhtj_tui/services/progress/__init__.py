"""Progress supervision (SPEC §8): entry progress per direct child rolled up over its
subtree (R-PROG-2), the completeness problems of R-TREE-3, and deadline tasks (R-PROG-3).

Every figure is computed when asked, from the database, with a handful of aggregate
queries over the materialized path (DESIGN rule 7): each direct child ``c`` is joined to
the organisations whose path lies in ``[c.path, c.path[:-1] + '0')`` (an index range seek
per child on SQLite and PostgreSQL alike), and the active members of the whole subtree
are read in one ordered scan of a partial index, grouped per branch, then per child by
the path's next segment. Nothing issues a query per organisation.

Definitions (documented here once, shown to users by the screens and the CLI):

* *active member*: ``services.base.active_sql`` (status 正常); *超龄*: aged 28 or over today
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
    each committee or general branch with no branch of cohort Y below it that either has
    no branch at all (the furthest behind) or already holds class branches (some branch
    with a cohort below it), unless its own name gives another cohort ("2017级团总支" is
    not expected to hold 2018 branches; the stored ``org.cohort``, R-TREE-4). Complete
    when total > 0 and nothing is missing.
  - ``members_entered`` (optionally one cohort): total = branches (of that cohort);
    done = branches with at least one active member (*decision*: "entered" means the
    branch has begun; fewer than 3 members is the separate warning of ``check``).
    Complete when total > 0 and done == total.
  - ``tree_complete`` (the notice's "进一步完善组织树", R-TREE-3): total = organisations;
    done = those with a secretary and a registered administrator and, for a committee or
    general branch, a branch somewhere below it. Missing = every organisation not done,
    the ones missing most first. Complete when nothing is missing.
  A task is overdue when today (China date) is after its due date and it is not complete.
"""

from __future__ import annotations

from zhtj_tui.services.progress.dto import (
    ERROR,
    EXPIRY_WARN_DAYS,
    MIN_BRANCH_MEMBERS,
    MISSING_LIMIT,
    PROBLEM_KINDS,
    PROBLEM_LIMIT,
    PROBLEM_SEVERITY,
    PROBLEM_SHORT,
    PROBLEM_TITLES,
    SEED_TASKS,
    TASK_KINDS,
    WARNING,
    ChildProgress,
    Figures,
    MissingOrg,
    Problem,
    Problems,
    Progress,
    TaskView,
)
from zhtj_tui.services.progress.problems import ProblemsPart
from zhtj_tui.services.progress.tasks import TasksPart


class ProgressService(ProblemsPart, TasksPart):
    """Progress (R-PROG-2), problems (R-TREE-3) and deadline tasks (R-PROG-3)."""


__all__ = [
    "ERROR", "EXPIRY_WARN_DAYS", "MIN_BRANCH_MEMBERS", "MISSING_LIMIT", "PROBLEM_KINDS", "PROBLEM_LIMIT",
    "PROBLEM_SEVERITY", "PROBLEM_SHORT", "PROBLEM_TITLES", "SEED_TASKS", "TASK_KINDS", "WARNING", "ChildProgress", "Figures",
    "MissingOrg", "Problem", "Problems", "Progress", "ProgressService", "TaskView",
]
