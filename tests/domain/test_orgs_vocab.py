"""Organisation rules: categories R-TREE-2, names R-TREE-4, fields R-INFO-1, staffing
R-INFO-3; the value lists shipped as package data."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj_tui.domain import orgs
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.vocab import (
    categories,
    education_levels,
    ethnic_groups,
    industries,
    league_posts,
    member_statuses,
    political_statuses,
)

SHARED = Path("/work/shared/vocab")
DATA = Path(orgs.__file__).parent / "data"


def cat(name):
    return orgs.category(name)


def code_of(fn, *args, **kw):
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    return info.value.code


# -- value lists --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "loader"),
    [("ethnic_groups.csv", ethnic_groups), ("political_status.csv", political_statuses),
     ("education.csv", education_levels), ("industries.csv", industries),
     ("league_posts.csv", league_posts), ("member_status.csv", member_statuses)],
)
def test_vocab_matches_the_files(filename, loader):
    rows = list(csv.DictReader(DATA.joinpath(filename).read_text("utf-8").splitlines()))
    assert [(i.code, i.name) for i in loader()] == [(r["code"], r["name"]) for r in rows]
    assert loader() is loader()  # loaded once
    if SHARED.is_dir():  # the shared copy is the source of the package data
        assert DATA.joinpath(filename).read_bytes() == SHARED.joinpath(filename).read_bytes()


def test_categories_match_the_file():
    text = DATA.joinpath("org_categories.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(c.code, c.name, c.group, c.field_group, "|".join(c.suffixes)) for c in categories()] == [
        (r["code"], r["name"], r["group"], r["field_group"], r["name_suffixes"]) for r in rows
    ]
    if SHARED.is_dir():
        assert text.encode() == SHARED.joinpath("org_categories.csv").read_bytes()


def test_vocab_resolve():
    assert ethnic_groups().resolve("汉族") == "01"
    assert ethnic_groups().resolve("1") == "01"
    assert political_statuses().resolve("共青团员") == "03"
    assert league_posts().resolve("书记") == "01"
    assert league_posts().resolve("", required=False) is None
    assert code_of(ethnic_groups().resolve, "火星族") == "not_in_list"
    assert code_of(ethnic_groups().resolve, "") == "required"


# -- categories and the tree (R-TREE-2) -----------------------------------------------------
def test_category_by_code_or_name():
    assert cat("团委").code == "02" and cat("02").name == "团委" and cat("2").name == "团委"
    assert code_of(orgs.category, "团小组") == "not_in_list"
    assert code_of(orgs.category, "") == "required"


def test_child_category_rules():
    by_group = {}
    for c in categories():
        by_group.setdefault(c.group, []).append(c)
    for parent in categories():
        for child in categories():
            if parent.group == "branch":
                expect = "branch_no_children"
            elif parent.group == "general_branch":
                expect = None if child.group == "branch" else "child_category"
            elif parent.group == "committee":
                expect = None if child.group != "leading" else "child_category"
            else:
                expect = None
            if expect is None:
                orgs.check_child_category(parent, child)
            else:
                assert code_of(orgs.check_child_category, parent, child) == expect, (parent.name, child.name)
    assert {c.group for c in orgs.allowed_child_categories(cat("团总支"))} == {"branch"}
    assert orgs.allowed_child_categories(cat("联合团支部")) == ()


# -- names and cohorts (R-TREE-4) -------------------------------------------------------------
def test_short_names():
    assert orgs.check_short_name("石河子大学师范学院团委", cat("团委")).name == "石河子大学师范学院团委"
    n = orgs.check_short_name("计算机专业2017级3班团支部", cat("团支部"))
    assert (n.name, n.cohort) == ("计算机专业2017级3班团支部", 2017)
    assert orgs.check_short_name("化学系团总支", cat("团总支")).cohort is None
    assert orgs.check_short_name("某某联合团支部", cat("联合团支部")).name == "某某联合团支部"
    assert orgs.check_short_name("某某团支部", cat("临时团支部")).name == "某某团支部"
    assert orgs.check_short_name("新疆团省委", cat("领导机关团组织")).name == "新疆团省委"


def test_short_name_refusals():
    err = pytest.raises(DomainError, orgs.check_short_name, "师范学院团支部", cat("团委")).value
    assert err.code == "name_suffix" and "“团委”结尾" in err.message and "石河子大学师范学院团委" in err.message
    assert code_of(orgs.check_short_name, "团委", cat("团委")) == "name_too_short"
    assert code_of(orgs.check_short_name, "", cat("团委")) == "required"
    assert code_of(orgs.check_short_name, "甲" * 60 + "团委", cat("团委")) == "too_long"


@given(st.integers(1950, 2100), st.integers(1, 30))
def test_cohort_property(year, klass):
    assert orgs.cohort_of(f"计算机专业{year}级{klass}班团支部") == year
    assert orgs.cohort_of(f"计算机专业{year}年{klass}班团支部") is None


def test_cohort_bounds():
    assert orgs.cohort_of("1234级团支部") is None
    assert orgs.cohort_of("2018 级团支部") == 2018


# -- required fields (R-INFO-1) -----------------------------------------------------------
def test_required_fields_per_group():
    sec = ("secretary_name", "secretary_id", "secretary_mobile")
    staffing = ("admin_quota", "admin_actual", "inst_quota", "inst_actual")
    assert set(orgs.required_fields(cat("团委"))) == {"category", "short_name", "full_name", "industry", *staffing, *sec}
    assert set(orgs.required_fields(cat("团总支"))) == set(orgs.required_fields(cat("团委")))
    assert set(orgs.required_fields(cat("团支部"))) == {"category", "short_name", "full_name", "industry", *sec}
    leading = set(orgs.required_fields(cat("领导机关团组织")))
    assert leading == {"category", "short_name", "full_name", *staffing, *sec, "contact_phone", "email"}
    assert "industry" not in leading


# -- staffing (R-INFO-3) ----------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expect"), [(0, 0), ("3", 3), (" 12 ", 12), ("无", 0), (4.0, 4),
                                                 (None, None), ("", None)])
def test_staffing_values(value, expect):
    assert orgs.parse_staffing(value, "admin_quota") == expect


@pytest.mark.parametrize("value", [-1, "-1", "1.5", 2.5, "三", True, 100001])
def test_staffing_refusals(value):
    with pytest.raises(DomainError) as info:
        orgs.parse_staffing(value, "admin_quota")
    assert (info.value.code, info.value.field) == ("staffing", "admin_quota")
    assert "本级团组织行政编制数" in info.value.message


def test_actual_may_not_exceed_quota():
    orgs.check_staffing_pair(3, 3, "admin_quota", "admin_actual")
    orgs.check_staffing_pair(None, 3, "admin_quota", "admin_actual")
    with pytest.raises(DomainError) as info:
        orgs.check_staffing_pair(2, 3, "admin_quota", "admin_actual")
    assert (info.value.code, info.value.field) == ("staffing_exceeds", "admin_actual")


def test_email_and_phone():
    assert orgs.check_email("tw@shzu.edu.cn") == "tw@shzu.edu.cn"
    assert code_of(orgs.check_email, "tw@") == "email"
    assert orgs.check_phone("0993-2058888") == "0993-2058888"
    assert code_of(orgs.check_phone, "电话号码") == "phone"
