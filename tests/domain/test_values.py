"""Months (入团年月), mobile numbers R-REG-4, 团员编号 R-MEM-4, codes R-CODE-1, text limits."""

import random
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj_tui.domain.codes import ALPHABET, CODE_LENGTH, generate_code, normalize_code
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.member_no import check_member_no
from zhtj_tui.domain.mobile import mask_mobile, normalize_mobile
from zhtj_tui.domain.months import YearMonth, parse_month
from zhtj_tui.domain.text import LIMITS, clean_person_name, clean_text, to_halfwidth


def code_of(fn, *args, **kw):
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    return info.value.code


# -- months (R-REG-1 入团年月, R-MEM-2) -----------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["2019-09", "201909", "2019.9", "2019.09", "2019/9", "2019年9月", "2019 年 9 月", "2019-09-01",
     "20190901", "２０１９－０９", "２０１９年９月", 201909, 2019.09, date(2019, 9, 30), datetime(2019, 9, 1, 0, 0),
     YearMonth(2019, 9)],
)
def test_month_shapes(value):
    assert parse_month(value) == YearMonth(2019, 9)


def test_month_number_cell_2019_point_1_is_refused_as_ambiguous():
    # R-MEM-2: 2019.10 typed in a number cell arrives as 2019.1, like 2019.1 itself: the
    # month cannot be known, so the number is refused with the advice to use text.
    with pytest.raises(DomainError) as info:
        parse_month(2019.1)
    assert info.value.code == "month_ambiguous" and info.value.field == "join_month"
    assert "2019年1月还是2019年10月" in str(info.value) and "文本" in str(info.value)
    assert parse_month("2019.1") == YearMonth(2019, 1)  # typed text says January
    assert parse_month("2019.10") == YearMonth(2019, 10)
    assert parse_month(2019.12) == YearMonth(2019, 12)
    assert parse_month(2019.11) == YearMonth(2019, 11)
    assert parse_month(2019.2) == YearMonth(2019, 2)


@pytest.mark.parametrize("value", ["2019-13", "201900", "19-09", "abc", "2019", "1800-01", "2019-09-01x", True])
def test_month_refusals(value):
    with pytest.raises(DomainError) as info:
        parse_month(value)
    assert info.value.code == "month_format" and info.value.field == "join_month"
    assert "2019-09" in info.value.message


def test_month_required_and_str():
    assert code_of(parse_month, "  ") == "required"
    assert code_of(parse_month, None) == "required"
    assert str(YearMonth(2019, 9)) == "2019-09"


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_month_round_trip(year, month):
    ym = YearMonth(year, month)
    assert parse_month(str(ym)) == ym
    assert parse_month(f"{year}{month:02d}") == ym
    assert parse_month(f"{year}年{month}月") == ym


# -- mobile numbers (R-REG-4) ----------------------------------------------------------
@pytest.mark.parametrize("value", ["13912345678", "139 1234 5678", "139-1234-5678", "+8613912345678",
                                   "8613912345678", "１３９１２３４５６７８", 13912345678])
def test_mobile_accepted(value):
    assert normalize_mobile(value) == "13912345678"


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "required"), ("1391234567", "mobile_length"), ("139123456789", "mobile_length"),
     ("12912345678", "mobile_prefix"), ("23912345678", "mobile_prefix"), ("1391234567a", "mobile_chars")],
)
def test_mobile_refused(value, code):
    with pytest.raises(DomainError) as info:
        normalize_mobile(value)
    assert (info.value.code, info.value.field) == (code, "mobile")


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_every_pattern_mobile_is_accepted(number):
    assert normalize_mobile(number) == number


def test_mask_mobile():
    assert mask_mobile("13912345678") == "139****5678"
    assert mask_mobile("") == ""


# -- 团员编号 (R-MEM-4) ------------------------------------------------------------------
def test_member_no():
    assert check_member_no("201812345678", YearMonth(2018, 5)) == "201812345678"
    assert check_member_no(201812345678.0, YearMonth(2018, 5)) == "201812345678"
    assert check_member_no("", YearMonth(2016, 12)) is None  # before 2017-01-01: optional
    assert code_of(check_member_no, "", YearMonth(2017, 1)) == "required"
    assert code_of(check_member_no, "20181234567", YearMonth(2018, 5)) == "member_no_format"
    assert code_of(check_member_no, "2018123456ab", YearMonth(2018, 5)) == "member_no_format"
    assert code_of(check_member_no, "201912345678", YearMonth(2018, 5)) == "member_no_year"


# -- registration codes (R-CODE-1) ------------------------------------------------------
@given(st.integers(0, 2**32))
def test_generated_codes_have_the_shape(seed):
    code = generate_code(random.Random(seed))
    assert len(code) == CODE_LENGTH == 8
    assert set(code) <= set(ALPHABET)
    assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
    assert normalize_code(code) == code


def test_alphabet_is_digits_and_both_cases():
    # R-CODE-1 *decision*: digits and letters, case-sensitive, none excluded
    assert ALPHABET == "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = {generate_code() for _ in range(300)}
    assert len(codes) == 300  # a cryptographic source does not repeat here
    seen = set("".join(codes))
    assert any(c.islower() for c in seen) and any(c.isupper() for c in seen)


def test_normalize_code():
    assert normalize_code(" aB3d 5fG7 ") == "aB3d5fG7"
    assert normalize_code("ａＢ３ｄ５ｆＧ７") == "aB3d5fG7"  # full-width typed with an IME
    assert normalize_code("aB3d5fG7") != normalize_code("AB3D5FG7")  # case kept
    assert code_of(normalize_code, "") == "required"
    assert code_of(normalize_code, "aB3d5fG") == "code_format"
    assert code_of(normalize_code, "aB3d5fG7x") == "code_format"
    assert code_of(normalize_code, "aB3d5f-7") == "code_format"
    assert code_of(normalize_code, "12345678") == "code_format"
    assert code_of(normalize_code, "abcdefgh") == "code_format"


# -- text limits and control characters -----------------------------------------------
def test_text_is_trimmed_and_folded():
    assert clean_text("  石河子\t大学\n 团委  ", "short_name") == "石河子 大学 团委"
    assert clean_text(None, "note") == ""


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\u202eb", "a\u200bb", "a\ufeffb", "a\x7fb"])
def test_control_and_direction_characters_refused(bad):
    assert code_of(clean_text, bad, "note") == "control_chars"


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_each_limit(field):
    assert len(clean_text("字" * LIMITS[field], field)) == LIMITS[field]
    with pytest.raises(DomainError) as info:
        clean_text("字" * (LIMITS[field] + 1), field)
    assert info.value.code == "too_long" and str(LIMITS[field]) in info.value.message


def test_required_text():
    assert code_of(clean_text, "   ", "reason", required=True) == "required"


def test_person_names():
    assert clean_person_name("阿依古丽•买买提") == "阿依古丽·买买提"
    assert code_of(clean_person_name, "张") == "too_short"
    assert code_of(clean_person_name, "张三3") == "bad_chars"
    assert code_of(clean_person_name, "") == "required"


def test_to_halfwidth():
    assert to_halfwidth("ＡＢ１２　＋－") == "AB12 +-"
    assert to_halfwidth("团委（一）") == "团委（一）"


def test_only_ascii_digits_count_as_digits():
    # str.isdigit and \d also accept Arabic-Indic and superscript digits, which int()
    # reads differently or not at all: refused with the usual message, never stored
    from zhtj_tui.domain.idcard import parse_id_number
    from zhtj_tui.domain.orgs import parse_staffing

    assert code_of(normalize_mobile, "1391234567\u0661") == "mobile_chars"
    assert code_of(parse_id_number, "11010519491231002\u0661") == "id_chars"
    assert code_of(parse_id_number, "\u06f1" + "1010519491231002X") == "id_chars"
    assert code_of(check_member_no, "20181234567\u0661", YearMonth(2018, 5)) == "member_no_format"
    assert code_of(parse_staffing, "\u00b2", "admin_quota") == "staffing"
    assert code_of(parse_month, "\u0662\u0660\u0661\u0669-09") == "month_format"
