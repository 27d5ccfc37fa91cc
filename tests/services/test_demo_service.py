"""DemoService (svc.demo): the demo data set from inside the interface, returned as
frozen dataclasses (DESIGN rule 2), on both backends."""

from __future__ import annotations

import dataclasses

import pytest

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.dto import Actor


def test_load_returns_the_logins_and_counts(svc):
    result = svc.demo.load("small", 2018)
    assert dataclasses.is_dataclass(result) and result.__dataclass_params__.frozen
    assert result.count("org") == 35 and result.count("member") == 1010
    assert [x.org_name for x in result.logins][:2] == ["石河子大学团委", "信息科学与技术学院团委"]
    # The logins work with the shared password (R-REG-5).
    session = svc.accounts.login(result.logins[0].mobile, result.password)
    assert session.roles[0].org_name == "石河子大学团委"
    assert len(result.defects) == 5


def test_load_refuses_real_data(svc):
    svc.orgs.create_top(Actor.server_operator(), "石河子大学团委", "团委", None)
    with pytest.raises(DomainError) as err:
        svc.demo.load()
    assert err.value.code == "not_empty"
