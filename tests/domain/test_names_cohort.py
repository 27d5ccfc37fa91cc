"""Organisation names: one normal form (R-TREE-5), the cohort a name gives and the warning
for a class-like name without one (R-TREE-4), and refusals that teach the right rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import normalize_name


# R-TREE-5
@pytest.mark.parametrize("raw, normal", [
    ("化学专业２０１８级1班团支部", "化学专业2018级1班团支部"),
    ("师范学院 团委", "师范学院团委"),
    ("  师范学院　团委 ", "师范学院团委"),  # an ideographic space too
    ("计算机 专业 2017 级 3 班团支部", "计算机专业2017级3班团支部"),
    ("ＩＴ Club团支部", "IT Club团支部"),  # spaces between Latin words stay
    ("石河子大学 （筹） 团委", "石河子大学(筹)团委"),
])
def test_r_tree_5_names_are_normalised(raw, normal):
    assert normalize_name(raw) == normal
    cat = rules.category("团支部" if normal.endswith("团支部") else "团委")
    assert rules.check_short_name(raw, cat).name == normal


# R-TREE-5
@given(st.text(alphabet="师范学院团委计算机专业班级 ２０１８ＡＢab　", max_size=30))
def test_r_tree_5_normal_form_is_stable(text):
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert "  " not in once and once == once.strip()


# R-TREE-4
@pytest.mark.parametrize("name, cohort", [
    ("计算机专业2018级3班团支部", 2018),
    ("计算机专业18级3班团支部", 2018),
    ("计算机专业2018年级3班团支部", 2018),
    ("计算机专业２０１８级3班团支部", 2018),
    ("计算机专业１８级3班团支部", 2018),
    ("护理学98级1班团支部", 1998),
    ("高级护理学院团委", None),
    ("高级护理学院2班团支部", None),
    ("计算机专业3年级团支部", None),
    ("计算机专业12018级团支部", None),
])
def test_r_tree_4_cohort_from_name(name, cohort):
    assert rules.cohort_of(name) == cohort


# R-TREE-4
def test_r_tree_4_class_like_branch_without_cohort_warns():
    branch = rules.category("团支部")
    assert rules.check_short_name("计算机专业三班团支部", branch).warnings
    assert rules.check_short_name("计算机专业2017届3班团支部", branch).warnings
    assert not rules.check_short_name("计算机专业17级3班团支部", branch).warnings
    assert not rules.check_short_name("机关第一团支部", branch).warnings
    # A committee's name is no class: 高级 is not a cohort and no warning.
    assert not rules.check_short_name("高级护理学院团委", rules.category("团委")).warnings


# R-TREE-4 (defect: the suffix refusal for 团工委 and 团总支 showed a 团委 example)
@pytest.mark.parametrize("category, wrong, example_suffix", [
    ("团工委", "机关后勤团委", "团工委"),
    ("团总支", "化学系团委", "团总支"),
    ("团委", "化学系团总支", "团委"),
    ("团支部", "化学系团委", "团支部"),
])
def test_r_tree_4_suffix_refusal_gives_an_example_of_the_category(category, wrong, example_suffix):
    with pytest.raises(DomainError) as err:
        rules.check_short_name(wrong, rules.category(category))
    message = err.value.message
    example = message.split("例如")[-1]
    assert example.strip(" ）").endswith(example_suffix), message
    if example_suffix != "团委":
        assert not example.strip(" ）").endswith("学院团委"), message


# R-TREE-2, R-TREE-4: 临时团支部 / 联合团支部 are categories of their own
@pytest.mark.parametrize("name, chosen, right", [
    ("军训临时团支部", "团支部", "临时团支部"),
    ("教工联合团支部", "团支部", "联合团支部"),
    ("军训临时团支部", "联合团支部", "临时团支部"),
])
def test_r_tree_4_temporary_and_joint_branches_are_not_plain_branches(name, chosen, right):
    with pytest.raises(DomainError) as err:
        rules.check_short_name(name, rules.category(chosen))
    assert err.value.code == "name_other_category"
    assert f"应选“{right}”" in err.value.message
    assert rules.check_short_name(name, rules.category(right)).name == name


def test_r_sub_2_template_instructions_name_each_suffix():
    # R-SUB-2: the template's instructions say 团工委 names end in 团工委.
    from zhtj_tui.excel.templates import suffix_rule

    text = suffix_rule(rules.allowed_child_categories(rules.category("团委")))
    assert "团工委以“团工委”结尾" in text
    assert "团总支以“团总支”结尾" in text
    assert "临时团支部" in text
