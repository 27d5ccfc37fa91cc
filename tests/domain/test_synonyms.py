"""R-MEM-2: values as people write them (one synonym table per list in domain.vocab), the
refusals naming the closest entries, 群众 refused as not a member, and names cleaned
(R-MEM-2 姓名) — the rules single entry and every import share."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import person
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.member import check_member
from zhtj_tui.domain.text import clean_person_name
from zhtj_tui.domain.vocab import SYNONYMS, education_levels, ethnic_groups, political_statuses


def refusal(fn, *args):
    with pytest.raises(DomainError) as err:
        fn(*args)
    return err.value


@pytest.mark.parametrize(("written", "name"), [
    ("汉", "汉族"), ("汉族", "汉族"), ("维吾尔", "维吾尔族"), ("蒙古", "蒙古族"), ("维族", "维吾尔族"), (" 汉 族 ", "汉族"),
    ("01", "汉族"), ("1", "汉族"), ("其他", "其他"),
])
def test_ethnic_groups_with_or_without_zu(written, name):
    eth = ethnic_groups()
    assert eth.name_of(eth.resolve(written)) == name


@pytest.mark.parametrize(("written", "code"), [
    ("团员", "03"), ("共青团员", "03"), ("中国共产主义青年团团员", "03"), ("团 员", "03"),
    ("党员", "01"), ("中共党员", "01"), ("中国共产党党员", "01"),
    ("预备党员", "02"), ("中共预备党员", "02"), ("中国共产党预备党员", "02"), ("群众", "13"),
])
def test_political_status_as_written(written, code):
    assert political_statuses().resolve(written) == code


@pytest.mark.parametrize(("written", "name"), [
    ("大学本科", "本科"), ("本科", "本科"), ("专科", "大专"), ("大学专科", "大专"), ("高职", "大专"), ("中专", "中职"),
    ("硕士研究生", "硕士"), ("博士研究生", "博士"), ("本科在读", "本科在读"), ("在读本科", "本科在读"),
    ("大学本科在读", "本科在读"), ("本科（在读）", "本科在读"), ("本科在校", "本科在读"), ("专科在读", "大专在读"),
    ("中专在读", "中职中专在读"), ("普通高中", "高中"),
])
def test_education_as_forms_write_it(written, name):
    edu = education_levels()
    assert edu.name_of(edu.resolve(written)) == name


def test_ambiguous_and_unknown_values_name_the_closest_entries():
    err = refusal(education_levels().resolve, "研究生")
    assert err.code == "ambiguous" and "“硕士”、“博士”" in err.message
    err = refusal(education_levels().resolve, "研究生在读")
    assert err.code == "ambiguous" and "“硕士在读”、“博士在读”" in err.message
    err = refusal(ethnic_groups().resolve, "布衣族")
    assert err.code == "not_in_list" and "最接近的是：" in err.message and "“布依族”" in err.message
    err = refusal(political_statuses().resolve, "共青")
    assert err.code == "not_in_list" and "中国共产主义青年团团员" in err.message
    assert "请从列表中选择" in err.message


def test_every_synonym_points_into_its_list():
    lists = {"ethnic": ethnic_groups(), "political": political_statuses(), "education": education_levels()}
    for key, table in SYNONYMS.items():
        for form, names in table.items():
            for name in (names,) if isinstance(names, str) else names:
                assert name in {i.name for i in lists[key]}, (key, form, name)


def values(p, **kw) -> dict:
    base = {"name": p.name, "id_number": p.id_number, "ethnic": "汉族", "political": "共青团员",
            "join_month": p.join_month, "education": "本科", "mobile": p.mobile}
    return {**base, **kw}


def test_single_entry_uses_the_same_tables():
    p = person(birth=date(2001, 3, 4), name="张三")
    d = check_member(values(p, ethnic="汉", political="团员", education="大学本科在读", name="张　三"), date(2026, 11, 1))
    assert (d.name, d.ethnic, d.political, d.education) == ("张三", "01", "03", "11")
    err = refusal(check_member, values(p, political="群众"), date(2026, 11, 1))
    assert err.code == "not_league_member" and err.field == "political" and "不是共青团员" in err.message


@pytest.mark.parametrize(("written", "name"), [
    ("张　伟", "张伟"), (" 张 伟 ", "张伟"), ("阿依古丽•买买提", "阿依古丽·买买提"), ("阿依古丽 · 买买提", "阿依古丽·买买提"),
    ("阿依古丽・买买提", "阿依古丽·买买提"), ("阿依古丽．买买提", "阿依古丽·买买提"), ("阿依古丽‧买买提", "阿依古丽·买买提"),
    ("Ｌｉ  Ｌｅｉ", "Li Lei"),
])
def test_names_lose_spaces_inside_chinese_and_keep_the_middle_dot(written, name):
    assert clean_person_name(written) == name


def test_a_name_may_not_start_or_end_with_the_dot():
    assert refusal(clean_person_name, "·买买提").code == "bad_dot"
