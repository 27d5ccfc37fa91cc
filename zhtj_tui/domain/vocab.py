"""The value lists of ../shared/vocab, shipped as package data and loaded once."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import excerpt


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    short: str = ""


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    group: str  # leading | committee | general_branch | branch
    field_group: str  # leading | committee | branch
    suffixes: tuple[str, ...]

    @property
    def is_branch(self) -> bool:
        return self.group == "branch"


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("zhtj_tui.domain").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


class VocabList:
    """One value list: look-up by code, by name, or by short name."""

    def __init__(self, key: str, label: str, items: list[Item]):
        self.key = key
        self.label = label
        self.items = tuple(items)
        self._by_code = {i.code: i for i in items}
        self._by_name = {i.name: i for i in items}
        self._by_name.update({i.short: i for i in items if i.short})

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, code: str | None) -> Item | None:
        return self._by_code.get(code or "")

    def name_of(self, code: str | None) -> str:
        item = self.get(code)
        return item.name if item else ""

    def resolve(self, value: object, field: str | None = None, required: bool = True) -> str | None:
        """Code of ``value`` given as a code or a name; ``DomainError`` when unknown."""
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                raise DomainError(f"请选择{self.label}", field or self.key, "required")
            return None
        item = self._by_name.get(text) or self._by_code.get(text)
        if item is None and text.isdigit():
            item = self._by_code.get(text.zfill(2))
        if item is None:
            raise DomainError(
                f"{self.label}“{excerpt(text)}”不在可选范围内，请从列表中选择", field or self.key, "not_in_list"
            )
        return item.code


@cache
def ethnic_groups() -> VocabList:
    return VocabList("ethnic", "民族", [Item(r["code"], r["name"]) for r in _rows("ethnic_groups.csv")])


@cache
def political_statuses() -> VocabList:
    return VocabList(
        "political", "政治面貌",
        [Item(r["code"], r["name"], r.get("short", "")) for r in _rows("political_status.csv")],
    )


@cache
def education_levels() -> VocabList:
    return VocabList("education", "学历", [Item(r["code"], r["name"]) for r in _rows("education.csv")])


@cache
def industries() -> VocabList:
    return VocabList("industry", "单位所属行业类别", [Item(r["code"], r["name"]) for r in _rows("industries.csv")])


@cache
def league_posts() -> VocabList:
    return VocabList("post", "团内职务", [Item(r["code"], r["name"]) for r in _rows("league_posts.csv")])


@cache
def member_statuses() -> VocabList:
    return VocabList("status", "团籍状态", [Item(r["code"], r["name"]) for r in _rows("member_status.csv")])


@cache
def categories() -> tuple[Category, ...]:
    return tuple(
        Category(r["code"], r["name"], r["group"], r["field_group"], tuple(r["name_suffixes"].split("|")))
        for r in _rows("org_categories.csv")
    )


SECRETARY_POST = "01"
OTHER_POST = "99"
STATUS_NORMAL = "1"
POLITICAL_LEAGUE_MEMBER = "03"
