"""What the progress service returns (R-PROG-2, R-TREE-3, R-PROG-3), and the kinds of
problems and tasks it knows; see the package docstring for the definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
    "tree_complete": "完善组织树（每个组织有书记和管理员，每个团委、团总支下有团支部）",
}

#: The seed notice's three deadlines (R-PROG-3): name, kind, due (month, day) in the campaign's year.
SEED_TASKS = (
    ("{cohort}级新生团支部建立", "cohort_branches", (11, 9)),
    ("全部团员信息录入", "members_entered", (11, 15)),
    ("进一步完善组织树", "tree_complete", (11, 15)),
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
#: Short names of the kinds, for a child's row ("缺书记2 支部不足3人1") in the window and the CLI.
PROBLEM_SHORT = {
    "no_branch": "无团支部",
    "general_branch_non_branch_child": "隶属错误",
    "no_secretary": "缺书记",
    "no_admin": "缺管理员",
    "info_incomplete": "信息不全",
    "branch_no_members": "支部无团员",
    "branch_few_members": f"支部不足{MIN_BRANCH_MEMBERS}人",
    "branch_over_age": "支部有超龄",
    "code_expiring": "注册码将过期",
}
PROBLEM_SEVERITY = {k: s for k, s, _ in PROBLEM_KINDS}


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
