"""Hostile input (issue 8): random and adversarial values thrown at every domain validator
and at the command line. The only outcomes allowed are a clean value or a ``DomainError``
with a Chinese message; never another exception. The number of inputs tried is counted and
printed at the end of the run (``tests/reliability/conftest.py``)."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from tests.reliability.conftest import tried
from zhtj_tui.domain import orgs as org_rules
from zhtj_tui.domain.codes import normalize_code
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import make_id_number, mask_id_number, normalize_id_number, parse_id_number
from zhtj_tui.domain.member import check_member
from zhtj_tui.domain.member_no import check_member_no
from zhtj_tui.domain.mobile import mask_mobile, normalize_mobile
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.text import _BAD_CHARS, LIMITS, clean_person_name, clean_text
from zhtj_tui.domain.vocab import categories

TODAY = date(2026, 11, 27)
FUZZ = settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))

#: Characters that break naive code: controls, direction marks and overrides, zero-width,
#: BOM, surrogates-adjacent planes, emoji with joiners, full-width forms, combining marks.
NASTY = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f\t\r\n \u3000\u00a0"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
    "\U0001F600\U0001F469\u200d\U0001F4BB\U0001F1E8\U0001F1F3\u0301\u0308"
    "０１２３４５６７８９ｘＸ－／．＠年月日级团支部委总工·•"
    "²³¹٣۵߃𝟘Ⅻ①"
    "=+-@'\";<>&%$#\\/"
    "0123456789xX张王李"
)

#: Characters that ``str.isdigit()`` accepts but ``int()`` may not, and look-alike digits.
DIGITS = "0123456789０１２３４５６７８９²³¹٣۵߃𝟘①Ⅻ"

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=DIGITS, min_size=1, max_size=20),
    st.text(alphabet=NASTY, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=80),
    st.integers(min_value=20, max_value=10_000).map(lambda n: "团" * n),
    st.integers(min_value=20, max_value=10_000).map(lambda n: "1" * n),  # int() limits
    st.builds(lambda a, b: a + b, st.sampled_from(["张三", "计算机2018级1班团支部", "2019-09", "13912345678",
                                                   "Ab3dE5gH", "110105200005170012"]),
              st.text(alphabet=NASTY, max_size=5)),
)
values = st.one_of(
    texts,
    st.none(),
    st.booleans(),
    st.integers(),
    # As large as a spreadsheet cell can hand over (openpyxl refuses > 4,300 digits).
    st.integers(min_value=-(10**4000), max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=20),
    st.dates(),
    st.lists(st.integers(), max_size=3),
)

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _refusal_ok(exc: DomainError) -> None:
    assert exc.message and _CJK.search(exc.message), exc.message
    assert "Traceback" not in exc.message


def _try(name: str, fn, *args, **kw):
    tried[name] += 1
    try:
        return fn(*args, **kw)
    except DomainError as exc:
        _refusal_ok(exc)
        return None


@FUZZ
@given(values)
def test_id_number(raw):
    info = _try("idcard.parse_id_number", parse_id_number, raw, TODAY)
    if info is not None:
        assert re.fullmatch(r"\d{17}[\dX]", info.number) and info.sex in ("1", "2")
        assert mask_id_number(info.number).count("*") == 8
    _try("idcard.normalize_id_number", normalize_id_number, raw)


@FUZZ
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 1, 1)), st.integers(0, 999),
       st.integers(0, 17), st.sampled_from(NASTY))
def test_id_number_mutations(birth, seq, pos, ch):
    """A valid number with one character replaced: accepted only if still well-formed."""
    good = make_id_number("110105", birth, seq)
    bad = good[:pos] + ch + good[pos + 1:]
    info = _try("idcard.mutated", parse_id_number, bad, TODAY)
    if info is not None:
        assert info.number == good or re.fullmatch(r"\d{17}[\dX]", info.number)


@FUZZ
@given(values)
@example(date(2101, 1, 1))  # found by this test: a date cell skipped the year range
@example(date(1, 1, 1))
def test_month(raw):
    month = _try("months.parse_month", parse_month, raw)
    if month is not None:
        assert 1900 <= month.year <= 2100 and 1 <= month.month <= 12


@FUZZ
@given(values)
def test_mobile(raw):
    mobile = _try("mobile.normalize_mobile", normalize_mobile, raw)
    if mobile is not None:
        assert re.fullmatch(r"1[3-9]\d{9}", mobile)
        assert "*" in mask_mobile(mobile)


@FUZZ
@given(values, st.sampled_from(sorted(LIMITS)), st.booleans())
def test_clean_text(raw, field, required):
    """Text fields: one place (domain/text.LIMITS + clean_text) enforces the length limit
    and refuses control and direction characters."""
    text = _try("text.clean_text", clean_text, raw, field, required=required)
    if text is not None:
        assert len(text) <= LIMITS[field]
        assert not _BAD_CHARS.search(text)
        assert text == text.strip()
        assert not (required and not text)


@FUZZ
@given(values)
def test_person_name(raw):
    name = _try("text.clean_person_name", clean_person_name, raw)
    if name is not None:
        assert 2 <= len(name) <= LIMITS["person_name"]


@FUZZ
@given(values, st.sampled_from(categories()))
def test_short_name(raw, cat):
    name = _try("orgs.check_short_name", org_rules.check_short_name, raw, cat)
    if name is not None:
        assert len(name.name) <= LIMITS["short_name"]
        assert any(name.name.endswith(s) for s in cat.suffixes)


@FUZZ
@given(values)
@example("²")  # found by this test: isdigit() but not int()
@example("①")
def test_org_fields(raw):
    _try("orgs.category", org_rules.category, raw)
    n = _try("orgs.parse_staffing", org_rules.parse_staffing, raw, "admin_quota")
    assert n is None or (isinstance(n, int) and 0 <= n <= 100000)
    _try("orgs.check_email", org_rules.check_email, raw)
    _try("orgs.check_phone", org_rules.check_phone, raw)


@FUZZ
@given(values)
def test_code(raw):
    code = _try("codes.normalize_code", normalize_code, raw)
    if code is not None:
        assert re.fullmatch(r"[0-9A-Za-z]{8}", code)


@FUZZ
@given(values, st.sampled_from(["2015-03", "2018-09", "2024-05"]))
def test_member_no(raw, month):
    _try("member_no.check_member_no", check_member_no, raw, parse_month(month))


_GOOD_MEMBER = {
    "name": "李华", "id_number": make_id_number("110105", date(2004, 3, 9), 21), "ethnic": "汉族",
    "political": "共青团员", "join_month": "2018-09", "education": "本科", "mobile": "13912345678",
    "member_no": "201800000001", "post": "", "join_unit": "", "note": "",
}


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(_GOOD_MEMBER) + ["post_name", "extra"]), values, max_size=6))
def test_member(changes):
    """check_member over a valid member with random fields replaced by hostile values."""
    data = _try("member.check_member", check_member, {**_GOOD_MEMBER, **changes}, TODAY)
    if data is not None:
        assert len(data.name) <= LIMITS["person_name"]
        assert data.note is None or len(data.note) <= LIMITS["note"]
        assert data.join_unit is None or len(data.join_unit) <= LIMITS["join_unit"]


def test_the_good_member_is_good():
    assert check_member(_GOOD_MEMBER, TODAY).name == "李华"


@FUZZ
@given(values)
def test_search_text(raw):
    """Search boxes: never an error, never a control character or NUL to the database."""
    from zhtj_tui.domain.text import search_text

    tried["text.search_text"] += 1
    text = search_text(raw)
    assert len(text) <= 30 and not _BAD_CHARS.search(text) and not re.search(r"\s", text)
