"""What an import expects of a sheet: its columns (with the other names they go by), the
two templates, and what a read sheet gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from zhtj_tui.domain.errors import DomainError

#: Most data rows a sheet may hold, and how far to look for the header row / columns.
MAX_ROWS = 100_000
HEADER_SCAN_ROWS = 10
MAX_COLS = 60


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: Other names of the column, the preferred first: when a sheet has two columns for one
    #: field, the one named earlier here is read and the other is listed as not imported.
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: Digits that spreadsheets like to turn into numbers (ID, mobile, member numbers).
    digits: bool = False
    #: Text that differs from row to row (names): read cell by cell, not together with the
    #: columns whose values repeat (``reader``).
    unique: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class SheetSpec:
    kind: str  # "orgs" | "members"
    title: str  # the template's name, as users see it
    columns: tuple[Column, ...]
    #: Columns whose presence says "this is such a sheet" (for recognising the template).
    identifying: tuple[str, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ORG_SPEC = SheetSpec(
    kind="orgs",
    title="下级组织批量创建模板",
    columns=(
        Column("short_name", "组织简称", ("简称", "团组织简称", "组织名称", "团组织名称"), required=True, unique=True),
        Column("category", "组织类别", ("类别", "团组织类别", "组织类型"), required=True),
        Column("full_name", "组织全称", ("全称", "团组织全称"), unique=True),
    ),
    identifying=("short_name",),
)

#: The member columns under the names of our template, of the national system's forms and
#: exports (发展团员编号, 现任团内职务, 公民身份号码, 证件号码) and of class rosters (联系电话,
#: 手机, 学生姓名). 学历 (R-MEM-2): the list has no full-time / part-time distinction, so 学历
#: is a person's highest level, as the word means on Chinese forms: a 最高学历 column is read
#: before a 全日制学历 one (the preview says which was used).
MEMBER_SPEC = SheetSpec(
    kind="members",
    title="团员信息导入模板",
    columns=(
        Column("name", "姓名", ("团员姓名", "学生姓名"), required=True, unique=True),
        Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "公民身份证号码", "身份证件号码", "身份证",
                                         "证件号码", "证件号"), required=True, digits=True),
        Column("ethnic", "民族", (), required=True),
        Column("political", "政治面貌", (), required=True),
        Column("join_month", "入团年月", ("入团时间", "入团日期", "入团年月日"), required=True),
        Column("education", "学历", ("最高学历", "全日制学历", "文化程度", "学历层次"), required=True),
        Column("mobile", "手机号码", ("手机号", "手机", "移动电话", "本人手机", "联系手机", "手机号码（本人）", "联系电话",
                                    "联系方式", "电话号码", "电话"), required=True, digits=True),
        Column("member_no", "团员编号", ("发展团员编号",), digits=True),
        Column("post", "团内职务", ("现任团内职务", "团内现任职务", "团内职务名称")),
        Column("post_name", "职务名称", ("其他职务名称",)),
        Column("join_unit", "入团时所在单位", ("入团所在单位", "入团时所在单位名称", "入团单位")),
        Column("note", "备注", ()),
    ),
    identifying=("name", "id_number"),
)

SPECS = {ORG_SPEC.kind: ORG_SPEC, MEMBER_SPEC.kind: MEMBER_SPEC}


class SheetRow(NamedTuple):
    """One non-empty data row: its number as Excel shows it, and raw values by key. A named
    tuple: immutable, and a third of the cost of a frozen dataclass to make (one per row)."""

    row: int
    values: dict
    #: A value the spreadsheet damaged (an ID stored as a rounded number): the row's refusal.
    error: DomainError | None = None


@dataclass(frozen=True)
class ParsedSheet:
    kind: str
    sheet_name: str
    header_row: int
    rows: tuple[SheetRow, ...]
    #: Column keys found in the header, in file order.
    found: tuple[str, ...] = field(default_factory=tuple)
    #: What the preview should say about the columns: which of two columns was read, and
    #: the columns not imported.
    notes: tuple[str, ...] = ()
    #: The header labels of the columns not imported, as written.
    ignored: tuple[str, ...] = ()


#: ``progress(done, total)``, called a few times a second at most.
Progress = Callable[[int, int], None]
