"""A member's fields (R-MEM-2, R-MEM-4): one check used by single entry, editing and
Excel import alike. Uniqueness across the system (R-MEM-3) is the database's and the
services' business; this checks the values alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import known_birth, parse_id_number
from zhtj_tui.domain.joinage import DEFAULT_POLICY, JoinAgePolicy, check_join_month
from zhtj_tui.domain.member_no import MEMBER_NO_CUTOVER, check_member_no
from zhtj_tui.domain.mobile import MOBILE_RE, normalize_mobile
from zhtj_tui.domain.months import YearMonth, parse_month
from zhtj_tui.domain.pinyin import stored_initials
from zhtj_tui.domain.text import PLAIN_NAME, clean_person_name, clean_text
from zhtj_tui.domain.vocab import (
    MEMBER_POLITICAL,
    OTHER_POST,
    education_levels,
    ethnic_groups,
    league_posts,
    political_statuses,
)

#: Field keys and labels of the member form, in form order (* = required).
MEMBER_FIELDS: dict[str, str] = {
    "name": "姓名",
    "id_number": "身份证号码",
    "ethnic": "民族",
    "political": "政治面貌",
    "join_month": "入团年月",
    "education": "学历",
    "mobile": "手机号码",
    "member_no": "团员编号",
    "post": "团内职务",
    "post_name": "职务名称",
    "join_unit": "入团时所在单位",
    "note": "备注",
}
T = TypeVar("T")
_UNKNOWN = object()

_plain_name = PLAIN_NAME.fullmatch
_plain_mobile = MOBILE_RE.fullmatch
#: ``MemberData(*fields)`` without the named tuple's own ``__new__`` (one per imported row).
_new_member = tuple.__new__

#: A row's values of ``MEMBER_FIELDS``, in form order, in one call.
_FIELDS_OF = itemgetter(*MEMBER_FIELDS)

REQUIRED_MEMBER_FIELDS = ("name", "id_number", "ethnic", "political", "join_month", "education", "mobile")


class MemberData(NamedTuple):
    """A member's checked fields. A named tuple: immutable, and a third of the cost of a
    frozen dataclass to make (an imported sheet makes one per row)."""

    name: str
    id_number: str
    birth_date: date
    sex: str
    ethnic: str
    political: str
    join_month: str  # "YYYY-MM"
    education: str
    mobile: str
    member_no: str | None
    post: str | None
    post_name: str | None
    join_unit: str | None
    note: str | None
    warnings: tuple[str, ...] = ()


def check_member(
    values: dict,
    today: date,
    policy: JoinAgePolicy = DEFAULT_POLICY,
    member_no_cutover: date = MEMBER_NO_CUTOVER,
) -> MemberData:
    """Validate a member's fields given by key (``MEMBER_FIELDS``); value-list fields take
    a code or a name. Raises ``DomainError`` naming the first wrong field, in form order."""
    return MemberCheck(today, policy, member_no_cutover)(values)


class MemberCheck:
    """``check_member`` for many rows (an imported sheet): the same checks in the same
    order, with the answers for values that repeat from row to row (value-list entries,
    入团年月, the join-age verdict of a birth date and a join month) remembered. Only
    accepted values are remembered: a refused one is checked again, so its message is
    built afresh for each row."""

    def __init__(self, today: date, policy: JoinAgePolicy = DEFAULT_POLICY,
                 member_no_cutover: date = MEMBER_NO_CUTOVER):
        self.today = today
        self.policy = policy
        self.cutover = member_no_cutover
        self._ethnic = ethnic_groups()
        self._education = education_levels()
        self._posts = league_posts()
        # Text as written -> per value-list field its code, 入团年月 with its text;
        # (birth month, 入团年月) -> join-age warnings; the 入团年月 after which an empty
        # 团员编号 was accepted. Other values (numbers, dates, empty cells) are checked each time.
        self._codes: dict[str, dict[str | None, Any]] = {k: {} for k in ("ethnic", "political", "education", "post")}
        self._months: dict[str, tuple[YearMonth, str]] = {}
        # The join-age rule compares year and month only (``joinage.age_in_months``): the
        # answers are keyed by the birth month's six digits of the ID number and the 入团年月's
        # text (whose hash Python keeps), so a class born over two years asks a few dozen
        # times, not once per birthday.
        self._ages: dict[tuple[str, str], tuple[str, ...]] = {}
        self._no_number: set[str] = set()
        # The eight digits of an accepted birth date -> the date (born before today).
        self._births: dict[str, date] = {}

    def _code(self, field: str, check: Callable[[object], T], value: object) -> T:
        if value.__class__ is not str and value is not None:
            return check(value)
        known = self._codes[field]
        code = known.get(value, _UNKNOWN)
        if code is _UNKNOWN:
            code = known[value] = check(value)
        return code

    def _month(self, value: object) -> tuple[YearMonth, str]:
        if value.__class__ is str:
            hit = self._months.get(value)
            if hit is None:
                month = parse_month(value)
                hit = self._months[value] = (month, str(month))
            return hit
        month = parse_month(value)
        return month, str(month)

    def __call__(self, values: dict) -> MemberData:
        got = self.many((values,))[0]
        if isinstance(got, DomainError):
            raise got
        return got

    def many(self, rows: Iterable[dict]) -> list[MemberData | DomainError]:
        """Each row's data, or the refusal naming its first wrong field (in form order)."""
        codes = self._codes
        ethnic_codes, political_codes, education_codes, post_codes = (
            codes["ethnic"], codes["political"], codes["education"], codes["post"])
        births, months, ages_of, no_number = self._births, self._months, self._ages, self._no_number
        today, policy, cutover = self.today, self.policy, self.cutover
        out: list[MemberData | DomainError] = []
        append = out.append
        pick = _FIELDS_OF
        for values in rows:
            # The row's fields at once (a row from a sheet has a key for each column it has;
            # any other row is read key by key).
            try:
                cells = pick(values)
            except KeyError:
                cells = tuple(map(values.get, MEMBER_FIELDS))
            (v_name, v_id, v_ethnic, v_political, v_month, v_education, v_mobile, raw_no, v_post, v_post_name,
             v_unit, v_note) = cells
            try:
                v = v_name
                name = v if v.__class__ is str and _plain_name(v) else clean_person_name(v, "name")
                # 身份证号码: a plain number with the right check character and a known
                # region needs only its birth date, remembered per date (``idcard.known_birth``);
                # anything else is read by ``parse_id_number``, which says what is wrong.
                v = v_id
                id_warnings: tuple[str, ...] = ()
                if (known := known_birth(v, births, today)) is not None:
                    number, birth, sex = known
                else:
                    number, birth, sex, _, id_warnings = parse_id_number(v, today)
                    births[number[6:14]] = birth
                # The value-list fields: text seen on an earlier row is looked up where it
                # was remembered (``_code``), in form order.
                v = v_ethnic
                if (ethnic := ethnic_codes.get(v) if v.__class__ is str else None) is None:
                    ethnic = self._code("ethnic", self._ethnic_code, v)
                v = v_political
                if (political := political_codes.get(v) if v.__class__ is str else None) is None:
                    political = self._code("political", check_member_political, v)
                v = v_month
                month, month_text = (months.get(v) if v.__class__ is str else None) or self._month(v)
                ages = ages_of.get(key := (number[6:12], month_text))
                if ages is None:
                    ages = ages_of[key] = check_join_month(birth, month, today, policy)
                warnings = id_warnings + ages if id_warnings else ages
                v = v_education
                if (education := education_codes.get(v) if v.__class__ is str else None) is None:
                    education = self._code("education", self._education_code, v)
                v = v_mobile
                mobile = v if v.__class__ is str and _plain_mobile(v) else normalize_mobile(v)
                if raw_no is None and month_text in no_number:
                    member_no = None
                else:
                    member_no = check_member_no(raw_no, month, cutover)
                    if raw_no is None:
                        no_number.add(month_text)
                v = v_post
                if v is None and None in post_codes:
                    post = post_codes[None]
                else:
                    post = self._code("post", self._post_code, v)
                post_name = None
                if post == OTHER_POST:
                    post_name = clean_text(v_post_name, "post_name", required=True, label="职务名称")
                v = v_unit
                join_unit = clean_text(v, "join_unit") or None if v is not None else None
                v = v_note
                note = clean_text(v, "note") or None if v is not None else None
            except DomainError as exc:
                append(exc)
                continue
            append(_new_member(MemberData, (name, number, birth, sex, ethnic, political, month_text, education,
                                            mobile, member_no, post, post_name, join_unit, note, warnings)))
        return out

    def _ethnic_code(self, value: object) -> str:
        return self._ethnic.resolve(value, "ethnic")

    def _education_code(self, value: object) -> str:
        return self._education.resolve(value, "education")

    def _post_code(self, value: object) -> str | None:
        return self._posts.resolve(value, "post", required=False)


def check_member_political(value: object) -> str:
    """政治面貌 of a League member (R-MEM-2): 群众 is refused as not a member."""
    statuses = political_statuses()
    code = statuses.resolve(value, "political")
    if code not in MEMBER_POLITICAL:
        raise DomainError(
            f"政治面貌为“{statuses.name_of(code)}”的人不是共青团员，不能录入为团员。团员的政治面貌应为共青团员"
            "（或保留团籍的中共党员、中共预备党员），请核对", "political", "not_league_member")
    return code


__all__ = ["check_member_political", "MemberCheck", "MemberData", "check_member", "MEMBER_FIELDS", "REQUIRED_MEMBER_FIELDS", "DomainError"]


#: Width of ``member.name_initials``.
MEMBER_INITIALS_WIDTH = 30


@lru_cache(maxsize=4096)
def member_initials(name: str) -> str:
    """``member.name_initials``: the pinyin initials of the name (search by "zs"), as every
    write of a member and the consistency check compute it (remembered: an imported class
    repeats names, and the consistency check reads every member)."""
    return stored_initials(name, MEMBER_INITIALS_WIDTH)
