"""ID numbers, R-REG-3 (GB 11643-1999)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import (
    PROVINCES,
    WEIGHTS,
    check_char,
    known_birth,
    make_id_number,
    mask_id_number,
    parse_id_number,
)

TODAY = date(2026, 11, 1)

regions = st.builds(
    lambda prov, rest: prov + f"{rest:04d}", st.sampled_from(sorted(PROVINCES)), st.integers(0, 9999)
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


def code_of(raw, today=TODAY):
    with pytest.raises(DomainError) as info:
        parse_id_number(raw, today)
    assert info.value.field == "id_number"
    return info.value.code


# R-REG-3: the standard's own examples
@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [("11010519491231002X", date(1949, 12, 31), "女"), ("440524188001010014", date(1880, 1, 1), "男")],
)
def test_standard_examples_are_accepted(number, birth, sex):
    info = parse_id_number(number, TODAY)
    assert (info.number, info.birth_date, info.sex, info.warnings) == (number, birth, sex, ())


# R-REG-3: every valid number built from (region, birth date, sequence) is accepted with
# the right birth date and sex
@settings(max_examples=examples(300))
@given(regions, births, sequences)
def test_every_generated_number_is_accepted(region, birth, seq):
    number = make_id_number(region, birth, seq)
    info = parse_id_number(number, TODAY)
    assert info.number == number
    assert info.birth_date == birth
    assert info.sex == ("男" if seq % 2 == 1 else "女")
    assert info.region == PROVINCES[region[:2]]
    assert info.warnings == ()


# R-REG-3: the import's short path for a number whose birth date was seen (``known_birth``)
# gives what ``parse_id_number`` gives, or steps aside: never a different verdict
@settings(max_examples=examples(400))
@given(regions, births, sequences, st.integers(-1, 17),
       st.sampled_from(list("0123456789Xx ０１٣²") + ["", "12", "X1"]))
def test_the_short_path_for_a_known_birth_date_agrees_with_the_full_check(region, birth, seq, pos, ch):
    number = make_id_number(region, birth, seq)
    raw = number if pos < 0 else number[:pos] + ch + number[pos + 1:]
    seen = {number[6:14]: birth}
    short = known_birth(raw, seen)
    # Without a date seen before, given today: the date is checked as parse_id_number does.
    fresh: dict = {}
    first = known_birth(raw, fresh, TODAY)
    try:
        info = parse_id_number(raw, TODAY)
    except DomainError:
        assert short is None and first is None and not fresh
        return
    if short is not None:
        assert short == (info.number, info.birth_date, info.sex) and info.warnings == ()
    else:
        assert raw != info.number or info.warnings or info.number[6:14] != number[6:14]
    if first is not None:
        assert first == (info.number, info.birth_date, info.sex) and info.warnings == ()
        assert fresh == {info.number[6:14]: info.birth_date}
    else:
        assert raw != info.number or info.warnings


# R-REG-3: a number with the right check character whose date is refused (no such day,
# before 1800, after today) is refused by the short path too, which remembers nothing
@pytest.mark.parametrize("digits, code", [
    ("20010230", "id_date"), ("19991301", "id_date"), ("17991231", "id_date"),
    ((TODAY.replace(day=TODAY.day + 1)).strftime("%Y%m%d"), "id_future"), ("20991231", "id_future"),
])
def test_the_short_path_refuses_the_dates_the_full_check_refuses(digits, code):
    head = "110105" + digits + "123"
    number = head + check_char(head)
    births: dict = {}
    assert known_birth(number, births, TODAY) is None and births == {}
    with pytest.raises(DomainError) as info:
        parse_id_number(number, TODAY)
    assert info.value.code == code and digits[:4] in str(info.value)
    # Born today: both accept it.
    ok = "110105" + TODAY.strftime("%Y%m%d") + "123"
    ok += check_char(ok)
    assert known_birth(ok, births, TODAY) == (ok, TODAY, "男") == tuple(parse_id_number(ok, TODAY)[:3])


# R-REG-3: every single-character change of a valid number is refused
@settings(max_examples=examples(150))
@given(regions, births, sequences, st.integers(0, 17), st.sampled_from("0123456789Xx"))
def test_every_single_character_change_is_refused(region, birth, seq, pos, ch):
    number = make_id_number(region, birth, seq)
    if number[pos] == ch.upper():
        ch = "X" if ch.isdigit() and number[pos] != "X" else "5" if number[pos] != "5" else "6"
    changed = number[:pos] + ch + number[pos + 1 :]
    assert changed.upper() != number
    with pytest.raises(DomainError) as info:
        parse_id_number(changed, TODAY)
    assert info.value.code in {"id_chars", "id_date", "id_future", "id_check"}


@settings(max_examples=examples(300))
@given(st.text("0123456789", min_size=17, max_size=17))
def test_check_character_is_the_weighted_sum_of_the_standard(first17):
    # R-REG-3: GB 11643's MOD 11-2 sum, written out digit by digit, against the one used
    weighted = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    assert check_char(first17) == "10X98765432"[weighted % 11]
    number = first17 + check_char(first17)
    if number[6:14].isdigit() and _valid_date(number[6:14]):
        assert parse_id_number(number).number == number


def _valid_date(yyyymmdd: str) -> bool:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])).year >= 1800
    except ValueError:
        return False


def test_every_single_change_of_one_number_exhaustively():
    # R-REG-3: the same property over all 18 x 11 changes of one number, no sampling
    number = make_id_number("654001", date(2001, 2, 28), 123)
    refused = 0
    for pos in range(18):
        for ch in "0123456789X":
            if ch == number[pos]:
                continue
            with pytest.raises(DomainError):
                parse_id_number(number[:pos] + ch + number[pos + 1 :], TODAY)
            refused += 1
    assert refused == 18 * 10


# R-REG-3: distinct errors for length, characters, date, future date, check character
def test_distinct_error_codes():
    good = make_id_number("110105", date(2000, 5, 17), 1)
    assert code_of("") == "required"
    assert code_of(good[:17]) == "id_length"
    assert code_of(good + "1") == "id_length"
    assert code_of(good[:5] + "A" + good[6:]) == "id_chars"
    assert code_of(good[:17] + "Y") == "id_chars"
    first17 = "110105" + "20000230" + "001"  # 30 February
    assert code_of(first17 + check_char(first17)) == "id_date"
    first17 = "110105" + "20001301" + "001"  # month 13
    assert code_of(first17 + check_char(first17)) == "id_date"
    future = make_id_number("110105", date(2026, 11, 2), 1)
    assert code_of(future) == "id_future"
    assert parse_id_number(future, date(2026, 11, 2)).birth_date == date(2026, 11, 2)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert code_of(wrong) == "id_check"


def test_messages_say_what_is_wrong():
    good = make_id_number("110105", date(2000, 5, 17), 1)
    with pytest.raises(DomainError, match="18位，现在是17位"):
        parse_id_number(good[:17])
    with pytest.raises(DomainError, match="校验位"):
        parse_id_number(good[:17] + ("0" if good[17] != "0" else "1"))
    with pytest.raises(DomainError, match="2000-02-30 不存在"):
        first17 = "11010520000230001"
        parse_id_number(first17 + check_char(first17))


# R-REG-3: lower-case x is accepted and stored upper-case
def test_lower_case_x_is_accepted_and_upper_cased():
    info = parse_id_number("11010519491231002x", TODAY)
    assert info.number == "11010519491231002X"


def test_spaces_and_full_width_digits_are_normalised():
    info = parse_id_number(" １１０１０５ 1949 1231 002ｘ ", TODAY)
    assert info.number == "11010519491231002X"


# R-REG-3: an unknown region is a warning, not a refusal
def test_unknown_province_is_a_warning():
    number = make_id_number("990101", date(2000, 1, 1), 2)
    info = parse_id_number(number, TODAY)
    assert info.region == ""
    assert len(info.warnings) == 1 and "990101" in info.warnings[0]


def test_make_id_number_refuses_bad_parts():
    with pytest.raises(ValueError):
        make_id_number("1101", date(2000, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("110105", date(2000, 1, 1), 1000)


# SPEC §9: ID numbers are shown masked: first 6 and last 4 characters
def test_mask_id_number():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"


def test_helper_people_never_repeat():
    # tests.helpers.person hands out distinct ID numbers and mobiles however many are made
    from tests.helpers import person

    people = [person() for _ in range(2100)]
    assert len({p.id_number for p in people}) == 2100 and len({p.mobile for p in people}) == 2100
    assert all(parse_id_number(p.id_number, TODAY).birth_date == date(2000, 5, 17) for p in people[::97])
