"""What the entry form shows about the member being typed: sex, birth date and age from the
ID number, 超龄, and the join age against the rule. Computed with the domain's functions
(the same the service checks with); the form only places the texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import normalize_id_number, parse_id_number
from zhtj_tui.domain.joinage import (
    JoinAgePolicy,
    age_in_months,
    age_on,
    check_join_month,
    is_over_age,
    required_join_age,
)
from zhtj_tui.domain.months import parse_month


@dataclass
class Derived:
    #: Short texts beside the fields, and their state ("", "ok" or "bad").
    id_hint: str = ""
    id_state: str = ""
    month_hint: str = ""
    month_state: str = ""
    #: The two status lines under the form (full width: always readable at 80 columns).
    person: str = ""
    joining: str = ""
    #: What is wrong, in the domain's words.
    problems: list[str] = field(default_factory=list)
    id_number: str = ""
    age: int | None = None
    over_age: bool = False
    under_warn: bool = False


def derive(id_text: str, month_text: str, today: date, policy: JoinAgePolicy) -> Derived:
    d = Derived()
    raw = normalize_id_number(id_text)
    birth = None
    if raw and len(raw) < 18:
        d.id_hint = f"已输入 {len(raw)}/18 位"
    elif raw:
        try:
            info = parse_id_number(raw, today)
        except DomainError as exc:
            d.id_hint, d.id_state = "✗ 号码有误，见下方", "bad"
            d.problems.append(exc.message)
        else:
            birth, d.id_number = info.birth_date, raw
            d.age = age_on(birth, today)
            d.over_age = is_over_age(birth, today, policy)
            over = " · 超龄" if d.over_age else ""
            d.id_hint, d.id_state = f"{info.sex} · {birth.isoformat()} · {d.age}岁{over}", "ok"
            d.person = f"{info.sex} · 出生 {birth.isoformat()} · {d.age}岁"
            if d.over_age:
                d.person += f" · 超龄（已满{policy.over_age}周岁，保存时需确认）"
    _joining(d, birth, month_text, today, policy)
    return d


def _joining(d: Derived, birth: date | None, text: str, today: date, policy: JoinAgePolicy) -> None:
    if not text.strip():
        return
    try:
        month = parse_month(text)
    except DomainError as exc:
        d.month_hint, d.month_state = "✗ 格式不对，见下方", "bad"
        d.problems.append(exc.message)
        return
    if birth is None:
        d.month_hint = f"{month}"
        return
    months = age_in_months(birth, month)
    need = required_join_age(month, policy)
    rule = f"规定须满{need}周岁"
    try:
        warnings = check_join_month(birth, month, today, policy)
    except DomainError as exc:
        d.month_hint, d.month_state = "✗ 不符合入团年龄", "bad"
        d.joining = f"入团 {month} · {rule} ✗"
        d.problems.append(exc.message)
        return
    age = f"入团时{months // 12}周岁"
    d.month_hint, d.month_state = f"{month} · {age}" + (f" · 未满{policy.warn_under}周岁" if warnings else " ✓"), "ok"
    d.under_warn = bool(warnings)
    if d.under_warn:
        d.joining = f"入团 {month} · {age}（{rule}）· 提示：未满{policy.warn_under}周岁入团，请核对"
    else:
        d.joining = f"入团 {month} · {age}（{rule}）✓"
