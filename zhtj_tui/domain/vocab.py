"""The value lists of ../shared/vocab, shipped as package data and loaded once."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, overload

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import excerpt, to_halfwidth


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


#: How people write the values of each list (R-MEM-2), one table per list: the written form
#: -> the list's name, or several names when the form could mean any of them (refused,
#: naming them). Forms are compared without spaces, brackets and full-width characters; a
#: list's own names, short names and codes need no entry. 民族 are also accepted without 族
#: (汉, 维吾尔), and 学历 "在读" forms follow from the plain ones (大学本科在读, 在读本科).
SYNONYMS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "ethnic": {
        "维族": "维吾尔族",
        "汉人": "汉族",
    },
    "political": {
        "团员": "中国共产主义青年团团员",
        "共青团": "中国共产主义青年团团员",
        "中国共青团员": "中国共产主义青年团团员",
        "共青团团员": "中国共产主义青年团团员",
        "中共团员": "中国共产主义青年团团员",
        "党员": "中国共产党党员",
        "共产党员": "中国共产党党员",
        "中国共产党员": "中国共产党党员",
        "正式党员": "中国共产党党员",
        "中共正式党员": "中国共产党党员",
        "预备党员": "中国共产党预备党员",
        "中共预备": "中国共产党预备党员",
    },
    "education": {
        "大学本科": "本科",
        "本科学历": "本科",
        "学士": "本科",
        "大学专科": "大专",
        "专科": "大专",
        "高职": "大专",
        "高职高专": "大专",
        "高等职业教育": "大专",
        "硕士研究生": "硕士",
        "研究生硕士": "硕士",
        "博士研究生": "博士",
        "研究生博士": "博士",
        "研究生": ("硕士", "博士"),
        "中专": "中职",
        "中等专科": "中职",
        "中等职业教育": "中职",
        "职高": "中职",
        "职业高中": "中职",
        "技校": "中职",
        "技工学校": "中职",
        "普通高中": "高中",
        "高级中学": "高中",
        "初级中学": "初中",
    },
}
#: A 学历 "在读" entry whose name is not simply the plain one + 在读.
_IN_SCHOOL = {"中职": "中职中专在读"}
_NOISE = re.compile(r"[\s()（）【】\[\]<>《》“”\"'‘’]+")


def _form(text: str) -> str:
    return _NOISE.sub("", to_halfwidth(text)).replace("在校", "在读")


class VocabList:
    """One value list: look-up by code, by name, by short name, or as people write it."""

    def __init__(self, key: str, label: str, items: list[Item]):
        self.key = key
        self.label = label
        self.items = tuple(items)
        self._by_code = {i.code: i for i in items}
        self._by_name = {i.name: i for i in items}
        self._by_name.update({i.short: i for i in items if i.short})
        #: written form -> the items it may mean (one: accepted; several: ambiguous).
        self._forms: dict[str, tuple[Item, ...]] = {}
        for form, names in SYNONYMS.get(key, {}).items():
            self._alias(form, (names,) if isinstance(names, str) else names)
        if key == "ethnic":
            for i in items:
                if i.name.endswith("族") and len(i.name) > 1:
                    self._alias(i.name[:-1], (i.name,))
        if key == "education":
            plain = {f: names for f, names in self._forms.items()}
            plain.update({i.name: (i,) for i in items})
            for form, targets in plain.items():
                plain_names = [t.name if isinstance(t, Item) else t for t in targets]
                schooled = tuple(_IN_SCHOOL.get(n, n + "在读") for n in plain_names)
                if all(n in self._by_name for n in schooled):
                    self._alias(form + "在读", schooled, keep=True)
                    self._alias("在读" + form, schooled, keep=True)

    def _alias(self, form: str, names: tuple, keep: bool = False) -> None:
        form = _form(form)
        if keep and (form in self._forms or form in self._by_name):
            return
        self._forms[form] = tuple(n if isinstance(n, Item) else self._by_name[n] for n in names)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, code: str | None) -> Item | None:
        return self._by_code.get(code or "")

    def name_of(self, code: str | None) -> str:
        item = self.get(code)
        return item.name if item else ""

    def lookup(self, value: object) -> tuple[Item, ...]:
        """The items ``value`` may mean: one, several (ambiguous), or none."""
        text = "" if value is None else str(value).strip()
        item = self._by_name.get(text) or self._by_code.get(text)
        if item is not None:
            return (item,)
        form = _form(text)
        item = self._by_name.get(form) or self._by_code.get(form)
        if item is None and form.isdigit():
            item = self._by_code.get(form.zfill(2))
        if item is not None:
            return (item,)
        return self._forms.get(form, ())

    def closest(self, value: object, n: int = 3) -> list[str]:
        """The list's names closest to ``value`` (by its names and the ways people write them)."""
        form = _form("" if value is None else str(value))
        names = {i.name: i.name for i in self.items}
        names.update({i.short: i.name for i in self.items if i.short})
        names.update({f: items[0].name for f, items in self._forms.items()})
        out: list[str] = []
        for hit in difflib.get_close_matches(form, list(names), n=12, cutoff=0.3):
            if names[hit] not in out:
                out.append(names[hit])
        if not out:  # nothing alike: the names sharing a character
            out = [i.name for i in self.items if set(form) & set(i.name)]
        return out[:n]

    @overload
    def resolve(self, value: object, field: str | None = None, required: Literal[True] = True) -> str: ...
    @overload
    def resolve(self, value: object, field: str | None = None, required: bool = True) -> str | None: ...

    def resolve(self, value: object, field: str | None = None, required: bool = True) -> str | None:
        """Code of ``value`` given as a code, a name or as people write it (``SYNONYMS``);
        ``DomainError`` when unknown or ambiguous, naming the closest entries."""
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                raise DomainError(f"请选择{self.label}", field or self.key, "required")
            return None
        items = self.lookup(text)
        if len(items) == 1:
            return items[0].code
        if items:
            names = "、".join(f"“{i.name}”" for i in items)
            raise DomainError(
                f"{self.label}“{excerpt(text)}”可以是{names}中的任何一个，请写明是哪一个", field or self.key, "ambiguous")
        near = self.closest(text)
        if near:
            hint = "最接近的是：" + "、".join(f"“{n}”" for n in near) + "。"
        else:
            hint = "可选：" + "、".join(i.name for i in self.items[:8]) + ("等。" if len(self.items) > 8 else "。")
        raise DomainError(
            f"{self.label}“{excerpt(text)}”不在可选范围内，{hint}请从列表中选择", field or self.key, "not_in_list"
        )


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
#: 政治面貌 a League member may have: 共青团员, or 中共(预备)党员 who keep their League
#: membership until 28 (R-MEM-2). 群众 is not a League member.
MEMBER_POLITICAL = ("01", "02", "03")
