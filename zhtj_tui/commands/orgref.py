"""Finding an organisation named on the command line: an id or a full/short name."""

from __future__ import annotations

import re

from pony.orm import db_session, select

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import clean_text


def resolve_org(services, ref: str) -> int:
    """The id of the organisation ``ref`` names: its id, its 全称, or an unambiguous 简称."""
    # The same clean-up and length limit as the names themselves (a 5,000-character
    # argument is refused here rather than by the ORM's column check).
    ref = clean_text(ref, "full_name", label="组织名称")
    if not ref:
        raise DomainError("请指定组织（编号、全称或简称）")
    store = services.store
    with db_session:
        # An id: ASCII digits that fit the column ("²".isdigit() is true; 10**20 overflows).
        if re.fullmatch(r"[0-9]{1,18}", ref):
            org = store.Org.get(id=int(ref))
            if org is not None:
                return org.id
        org = store.Org.get(full_name=ref)
        if org is not None:
            return org.id
        rows = select(o for o in store.Org if o.short_name == ref)[:3]
        if len(rows) == 1:
            return rows[0].id
        if len(rows) > 1:
            raise DomainError(f"有多个组织简称为“{ref}”，请改用组织编号或全称")
    raise DomainError(f"找不到组织“{ref}”，请用组织编号、全称或简称指定")
