"""R-INFO-1 / R-INFO-4: the completeness rule shared by OrgService and the demo generator."""

from zhtj_tui.domain.orgs import category, missing_info

BRANCH = {"full_name": "石河子大学医学院临床医学专业2018级1班团支部", "industry": "03"}
COMMITTEE = {"full_name": "共青团石河子大学委员会", "industry": "03", "admin_quota": 3, "admin_actual": 0,
             "inst_quota": 0, "inst_actual": 0}


def test_branch_complete_with_secretary():
    assert missing_info(category("团支部"), BRANCH.get, True) == ()


def test_branch_without_secretary_misses_the_three_secretary_fields():
    assert missing_info(category("团支部"), BRANCH.get, False) == ("secretary_name", "secretary_id", "secretary_mobile")


def test_zero_staffing_counts_as_filled_but_empty_text_does_not():
    # R-INFO-3: "none" is entered as 0, which is a value.
    assert missing_info(category("团委"), COMMITTEE.get, True) == ()
    values = dict(COMMITTEE, industry="", inst_quota=None)
    assert missing_info(category("团委"), values.get, True) == ("industry", "inst_quota")


def test_leading_organ_needs_contacts_not_industry():
    values = {k: v for k, v in COMMITTEE.items() if k != "industry"}
    assert missing_info(category("领导机关团组织"), values.get, True) == ("contact_phone", "email")
