"""What services return (DESIGN rule 2): members and cadres: list rows, the full view, transfers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from zhtj_tui.domain.vocab import OTHER_POST, league_posts
from zhtj_tui.services.dto.orgs import OrgBrief


@dataclass(frozen=True, init=False)
class MemberRow:
    """A row of 团员管理: personal data masked (SPEC §9)."""

    id: int
    branch_id: int
    name: str
    id_masked: str
    sex: str
    age: int
    join_month: str
    political_name: str
    post_label: str
    over_age: bool
    member_no: str
    active: bool = True
    #: 所在支部 (filled by the list, where rows of several branches meet).
    branch_name: str = ""

    def __init__(self, id: int, branch_id: int, name: str, id_masked: str, sex: str, age: int,  # noqa: A002
                 join_month: str, political_name: str, post_label: str, over_age: bool, member_no: str,
                 active: bool = True, branch_name: str = "") -> None:
        # The generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__ (~3 µs a row, more than reading the row); a page builds 200.
        # The instance stays frozen: assigning a field afterwards still raises.
        # (tests/services/test_member_search.py checks this matches the fields.)
        d = self.__dict__
        d["id"] = id
        d["branch_id"] = branch_id
        d["name"] = name
        d["id_masked"] = id_masked
        d["sex"] = sex
        d["age"] = age
        d["join_month"] = join_month
        d["political_name"] = political_name
        d["post_label"] = post_label
        d["over_age"] = over_age
        d["member_no"] = member_no
        d["active"] = active
        d["branch_name"] = branch_name


@dataclass(frozen=True)
class MemberView:
    """One member's record; ``id_number`` and ``mobile`` are full only when ``editable``."""

    id: int
    branch_id: int
    branch_name: str
    path_names: tuple[str, ...]
    name: str
    id_number: str
    sex: str
    birth_date: date
    age: int
    ethnic: str
    ethnic_name: str
    political: str
    political_name: str
    join_month: str
    education: str
    education_name: str
    mobile: str
    member_no: str
    post: str
    post_name: str
    post_label: str
    join_unit: str
    note: str
    status: str
    status_name: str
    left_reason: str
    left_at: datetime | None
    over_age: bool
    version: int
    editable: bool
    warnings: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.left_at is None

    def form_values(self) -> dict[str, str]:
        """The values of the entry form, by field key (codes for value lists)."""
        return {
            "name": self.name, "id_number": self.id_number, "ethnic": self.ethnic_name,
            "political": self.political_name, "join_month": self.join_month,
            "education": self.education_name, "mobile": self.mobile, "member_no": self.member_no,
            "post": (league_posts().name_of(self.post) if self.post == OTHER_POST else self.post_label)
            if self.post else "",
            "post_name": self.post_name,
            "join_unit": self.join_unit, "note": self.note,
        }


@dataclass(frozen=True)
class BranchCount:
    """Members of a branch, and how many of them are 超龄 (R-MEM-5)."""

    branch_id: int
    members: int
    over_age: int


@dataclass(frozen=True)
class TransferResult:
    moved: tuple[int, ...]
    to_branch_id: int
    to_branch_name: str


@dataclass(frozen=True)
class TransferTargets:
    """Branches members may be moved into (R-MEM-1); ``reason`` explains an empty list."""

    items: tuple[OrgBrief, ...]
    reason: str = ""


@dataclass(frozen=True)
class CadreView:
    """A post held in an organisation (R-MEM-6)."""

    id: int
    org_id: int
    post: str
    post_label: str
    name: str
    id_number: str  # full or masked, as the viewer may see it
    mobile: str
    member_id: int | None
    start_date: date
    end_date: date | None
    is_secretary: bool
    age: int
    over_age: bool

    @property
    def current(self) -> bool:
        return self.end_date is None


@dataclass(frozen=True)
class CadreList:
    org_id: int
    org_name: str
    current: tuple[CadreView, ...]
    history: tuple[CadreView, ...]
    editable: bool
