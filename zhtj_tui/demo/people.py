"""Generated people: names, ID numbers, mobiles and the member fields.

Everything is drawn from one ``random.Random`` handed in by the caller, so the same seed
gives the same people. Uniqueness does not depend on luck:

- ID numbers: each (region, birth date, sex) has its own sequence counter (odd sequences
  for men, even for women, as GB 11643 says); a full counter moves on to the next region.
- Mobile numbers: a counter mapped one-to-one onto the last 8 digits.
- 团员编号: the joining year and a per-year counter.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta

from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.domain.joinage import DEFAULT_POLICY, JoinAgePolicy, required_join_age
from zhtj_tui.domain.member_no import MEMBER_NO_CUTOVER
from zhtj_tui.domain.months import YearMonth
from zhtj_tui.domain.pinyin import initials as _initials

# Surnames with rough frequencies (per mille, 2020 census order), then given-name characters.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 71), ("张", 69), ("刘", 54), ("陈", 46), ("杨", 33), ("黄", 24), ("赵", 23),
    ("吴", 21), ("周", 21), ("徐", 17), ("孙", 16), ("马", 15), ("朱", 15), ("胡", 14), ("郭", 14),
    ("何", 13), ("林", 12), ("高", 12), ("罗", 12), ("郑", 11), ("梁", 11), ("谢", 8), ("宋", 8),
    ("唐", 8), ("许", 7), ("韩", 7), ("邓", 7), ("冯", 7), ("曹", 6), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 6), ("董", 5), ("潘", 5), ("袁", 5), ("蔡", 5), ("蒋", 5), ("余", 5),
    ("于", 5), ("杜", 4), ("叶", 4), ("程", 4), ("魏", 4), ("苏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("卢", 4), ("姚", 4), ("沈", 4), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3),
    ("陆", 3), ("范", 3), ("汪", 3), ("廖", 3), ("石", 3), ("金", 3), ("韦", 3), ("贾", 3),
    ("夏", 3), ("付", 3), ("方", 3), ("邹", 2), ("熊", 2), ("白", 2), ("孟", 2), ("秦", 2),
    ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2),
    ("龙", 2), ("黎", 2), ("史", 2), ("陶", 2), ("贺", 2), ("毛", 2), ("郝", 2), ("顾", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("覃", 1), ("武", 2), ("钱", 2), ("戴", 2), ("严", 2),
    ("欧阳", 1), ("司马", 1), ("上官", 1), ("诸葛", 1),
)
MALE_CHARS = "伟强磊军洋勇杰涛明超斌辉鹏飞刚华波宇浩俊帆凯晨阳博文轩睿哲翔宁峰亮健旭东振海林志豪昊天铭泽瑞子航"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕丹萍婷雪琳颖倩佳欣怡梦瑶思雨涵晨悦雯璐琪萱彤月慧洁婧薇蕾妍馨可诗"
NEUTRAL_CHARS = "文明晓嘉佳一子雨欣宇思新春秋安永建国立晶小天"
#: Names of the Uyghur and Kazakh tradition (given·father's name), for those 民族.
TURKIC_MALE = ("买买提", "艾力", "阿不都", "努尔", "吐尔逊", "艾山", "热合曼", "伊力", "肉孜", "卡德尔")
TURKIC_FEMALE = ("古丽", "阿依", "热依拉", "迪丽", "米娜", "帕提", "努尔古丽", "阿米娜", "祖丽", "海丽")

#: 民族 (code, weight): about 91% 汉族, then the larger minorities.
ETHNIC_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("01", 91.1), ("08", 1.4), ("05", 0.9), ("03", 0.8), ("11", 0.75), ("06", 0.7), ("07", 0.7),
    ("15", 0.7), ("04", 0.5), ("02", 0.45), ("12", 0.25), ("09", 0.25), ("13", 0.2), ("14", 0.15),
    ("17", 0.15), ("16", 0.1), ("19", 0.1), ("18", 0.1), ("10", 0.1), ("97", 0.5),
)
TURKIC = frozenset({"05", "17"})

#: Birth places (county codes). Shihezi University recruits nationwide; a Henan province
#: data set draws mostly from Henan.
REGIONS_NATIONAL = (
    "659001", "650102", "650103", "650104", "650105", "650106", "652301", "652801", "652901",
    "653101", "654002", "654201", "650402", "110105", "120101", "130102", "140105", "150102",
    "210102", "220102", "230102", "310104", "320102", "320583", "330106", "340102", "350102",
    "360102", "370102", "410102", "410322", "411302", "420102", "430102", "440103", "450102",
    "460105", "500103", "510104", "510722", "520102", "530102", "610102", "620102", "620521",
    "630102", "640104",
)
REGIONS_HENAN = (
    "410102", "410103", "410104", "410105", "410122", "410181", "410202", "410221", "410302",
    "410322", "410402", "410421", "410502", "410522", "410602", "410702", "410721", "410802",
    "410902", "410922", "411002", "411024", "411102", "411202", "411302", "411321", "411402",
    "411421", "411502", "411521", "411602", "411621", "411702", "411721", "419001",
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "170", "176", "177", "178", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "191", "195", "198", "199",
)
#: Multiplier of the mobile counter: odd and not a multiple of 5, so one-to-one mod 10^8.
_MOBILE_STEP = 37_851_013

#: First birth date the ID counters cover.
_BIRTH_BASE = date(1940, 1, 1)


@dataclass(frozen=True)
class PersonRow:
    name: str
    initials: str
    id_number: str
    birth: date
    sex: str
    mobile: str
    ethnic: str


class People:
    """A source of distinct, valid people."""

    def __init__(self, rng: random.Random, today: date, regions: tuple[str, ...] = REGIONS_NATIONAL,
                 home_regions: tuple[str, ...] = (), home_share: float = 0.0,
                 policy: JoinAgePolicy = DEFAULT_POLICY, member_no_cutover: date = MEMBER_NO_CUTOVER):
        self.rng = rng
        # The generator's own steps, called directly: ``rng.choice(s)`` is
        # ``s[rng._randbelow(len(s))]``, ``rng.randint(a, b)`` is ``a + rng._randbelow(b - a + 1)``
        # and ``rng.choices(p, cum_weights=c)`` is ``p[bisect(c, rng.random() * c[-1])]``, so the
        # same seed draws the same people (five million of them: the calls cost more than the work).
        self._below = rng._randbelow
        self._random = rng.random
        self.today = today
        self.policy = policy
        self.member_no_cutover = YearMonth.of(member_no_cutover)
        self._today_index = YearMonth.of(today).index
        self._min_join_months = max(policy.age_from_cutover, policy.age_before_cutover) * 12
        self.regions = regions
        self.home_regions = home_regions
        self.home_share = home_share
        self._region_index = {r: i for i, r in enumerate(dict.fromkeys(regions + home_regions))}
        self._all_regions = tuple(self._region_index)
        days = (today - _BIRTH_BASE).days + 1
        self._days = days
        # One counter per (region, birth day, sex): 500 sequences each (odd men, even women).
        self._seq = array("H", bytes(2 * len(self._all_regions) * days * 2))
        self._mobile_n = 0
        self._mobile_offset = rng.randrange(10**8)
        self._member_no = {}
        self._initials: dict[str, str] = {}
        names, weights = zip(*SURNAMES, strict=True)
        self._surnames = names
        self._surname_cum = _cumulative(weights)
        eth, ew = zip(*ETHNIC_WEIGHTS, strict=True)
        self._ethnic = eth
        self._ethnic_cum = _cumulative(ew)

    # -- pieces ----------------------------------------------------------------------
    def name(self, sex: str, ethnic: str) -> tuple[str, str]:
        """A plausible name and its pinyin initials."""
        below, random_ = self._below, self._random
        if ethnic in TURKIC:
            pool = TURKIC_MALE if sex == "男" else TURKIC_FEMALE
            given = pool[below(len(pool))]
            name = f"{given}·{TURKIC_MALE[below(len(TURKIC_MALE))]}"
            return name, self.initials(name)
        cum = self._surname_cum
        surname = self._surnames[bisect(cum, random_() * cum[-1], 0, len(cum) - 1)]
        pool = MALE_CHARS if sex == "男" else FEMALE_CHARS
        initials = self.initials
        if random_() < 0.72:
            first = pool if random_() < 0.7 else NEUTRAL_CHARS
            a = first[below(len(first))]
            b = pool[below(len(pool))]
            # Initials part by part: for these surnames and characters they equal the whole
            # name's (no phrase crosses a boundary; tests compare with domain.pinyin on every name).
            return surname + a + b, initials(surname) + initials(a) + initials(b)
        a = pool[below(len(pool))]
        return surname + a, initials(surname) + initials(a)

    def initials(self, text: str) -> str:
        """Pinyin initials (``domain.pinyin.initials``), cached here: pypinyin is slow."""
        value = self._initials.get(text)
        if value is None:
            value = self._initials[text] = _initials.__wrapped__(text)
        return value

    def ethnic(self) -> str:
        cum = self._ethnic_cum
        return self._ethnic[bisect(cum, self._random() * cum[-1], 0, len(cum) - 1)]

    def id_number(self, birth: date, sex: str) -> str:
        if self.home_regions and self._random() < self.home_share:
            region = self.home_regions[self._below(len(self.home_regions))]
        else:
            region = self.regions[self._below(len(self.regions))]
        start = self._region_index[region]
        day = (birth - _BIRTH_BASE).days
        male = sex == "男"
        n_regions = len(self._all_regions)
        for step in range(n_regions):
            ri = (start + step) % n_regions
            slot = ((ri * self._days) + day) * 2 + male
            used = self._seq[slot]
            if used < 500:
                self._seq[slot] = used + 1
                return make_id_number(self._all_regions[ri], birth, used * 2 + male)
        raise RuntimeError("no ID sequence left for this birth date")  # pragma: no cover

    def mobile(self) -> str:
        n = self._mobile_n
        self._mobile_n += 1
        # The 8 digits alone are one-to-one in the counter (below 10^8 people); the prefix
        # only varies the look.
        rest = (n * _MOBILE_STEP + self._mobile_offset) % 10**8
        prefix = MOBILE_PREFIXES[(rest // 7 + n) % len(MOBILE_PREFIXES)]
        return f"{prefix}{rest:08d}"

    def member_no(self, join: YearMonth) -> str | None:
        """A unique 12-digit 团员编号 for those who joined on or after the cut-over."""
        if join.index < self.member_no_cutover.index:
            return None
        n = self._member_no.get(join.year, 0) + 1
        self._member_no[join.year] = n
        return f"{join.year:04d}{n:08d}"

    def birth_between(self, oldest: date, youngest: date) -> date:
        span = (youngest - oldest).days
        return oldest + timedelta(days=self._below(max(span, 0) + 1))

    def join_month(self, birth: date, earliest_age: int = 14, latest_age: int = 17) -> YearMonth:
        """入团年月 between the two ages, never in the future and never before the join-age
        rule allows (R-REG-2)."""
        born = birth.year * 12 + birth.month - 1  # YearMonth.index
        lo = born + earliest_age * 12
        hi = min(born + latest_age * 12, self._today_index)
        idx = lo + self._below(hi - lo + 1) if hi >= lo else hi
        month = YearMonth(idx // 12, idx % 12 + 1)
        if idx - born < self._min_join_months:  # too young for ``earliest_age``: the rule decides
            idx = born + required_join_age(month, self.policy) * 12
            month = YearMonth(idx // 12, idx % 12 + 1)
        return month

    def person(self, birth: date, sex: str | None = None, ethnic: str | None = None) -> PersonRow:
        sex = sex or ("男" if self._random() < 0.5 else "女")
        ethnic = ethnic or self.ethnic()
        name, initials = self.name(sex, ethnic)
        return PersonRow(name, initials, self.id_number(birth, sex), birth, sex, self.mobile(), ethnic)


def _cumulative(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def age_birth_window(today: date, age_from: int, age_to: int) -> tuple[date, date]:
    """Birth dates of people aged ``age_from`` to ``age_to`` (inclusive) on ``today``."""
    oldest = _years_before(today, age_to + 1) + timedelta(days=1)
    youngest = _years_before(today, age_from)
    return oldest, youngest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
