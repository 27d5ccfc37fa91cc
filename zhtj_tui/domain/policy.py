"""The policy values the settings carry (the join-age rule's, R-REG-2, and the 团员编号
cut-over, R-MEM-4), apart from the rules that use them: the settings are read at start-up,
and the rules' modules (text normalising, month parsing) load when first needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: 团员编号 is required for people who joined on or after this day (R-MEM-4).
MEMBER_NO_CUTOVER = date(2017, 1, 1)


@dataclass(frozen=True)
class JoinAgePolicy:
    """Settings of the join-age rule; defaults are the seed's values."""

    cutover: date = date(2016, 9, 1)
    age_from_cutover: int = 13
    age_before_cutover: int = 12
    warn_under: int = 14
    over_age: int = 28
