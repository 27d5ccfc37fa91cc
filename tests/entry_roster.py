"""A class roster typed into the member entry form by a fast typist who does not look at
the screen, with the corrections people make: Backspace runs, Ctrl+U, Shift+Tab back to an
earlier field, arrows and Delete. Shared by the tmux and pty tests and the entry benchmark.

``roster(n, seed)`` gives members (the intended form values) and, for each, the keys that
produce them on the form (``member_keys``) as tokens: ``str`` text, or a ``Key``. Encoders
turn tokens into ``tmux send-keys`` arguments, terminal bytes, or Textual key names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from zhtj_tui.domain.idcard import make_id_number


@dataclass(frozen=True)
class Key:
    name: str  # enter, tab, btab, bs, del, ctrl_u, left, right, end, ctrl_s


ENTER, TAB, BTAB, BS, DEL = Key("enter"), Key("tab"), Key("btab"), Key("bs"), Key("del")
CTRL_U, LEFT, RIGHT, END, CTRL_S = Key("ctrl_u"), Key("left"), Key("right"), Key("end"), Key("ctrl_s")

TMUX = {"enter": "Enter", "tab": "Tab", "btab": "BTab", "bs": "BSpace", "del": "DC", "ctrl_u": "C-u",
        "left": "Left", "right": "Right", "end": "End", "ctrl_s": "C-s"}
BYTES = {"enter": b"\r", "tab": b"\t", "btab": b"\x1b[Z", "bs": b"\x7f", "del": b"\x1b[3~", "ctrl_u": b"\x15",
         "left": b"\x1b[D", "right": b"\x1b[C", "end": b"\x1b[F", "ctrl_s": b"\x13"}
TEXTUAL = {"enter": "enter", "tab": "tab", "btab": "shift+tab", "bs": "backspace", "del": "delete",
           "ctrl_u": "ctrl+u", "left": "left", "right": "right", "end": "end", "ctrl_s": "ctrl+s"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬燕彬鹏辉建文斌宇浩凯健俊帆帅旭宁龙林欣悦晨雨轩思涵"

#: What the form keeps for the next member, and the abbreviations a typist uses.
ETHNIC = {"汉族": "han", "回族": "hui", "维吾尔族": "wwe"}
POLITICAL = {"共青团员": "gqty"}
EDUCATION = {"本科在读": "bkzd", "大专在读": "dzzd"}


@dataclass(frozen=True)
class Member:
    name: str
    id_number: str
    ethnic: str
    political: str
    join_month: str
    education: str
    mobile: str
    member_no: str

    def values(self) -> dict[str, str]:
        """The form's values (the service's input)."""
        return {"name": self.name, "id_number": self.id_number, "ethnic": self.ethnic,
                "political": self.political, "join_month": self.join_month, "education": self.education,
                "mobile": self.mobile, "member_no": self.member_no}


def roster(n: int, seed: int = 13) -> list[Member]:
    """``n`` members of a class: mostly 汉族, 共青团员, 本科在读, joined 2019-09 (the values
    that repeat), with a few exceptions in each."""
    rng = random.Random(seed)
    members, names = [], set()
    for i in range(n):
        while True:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            if name not in names:
                names.add(name)
                break
        birth = date(2004 + rng.randrange(2), 1 + rng.randrange(12), 1 + rng.randrange(28))
        join = "2019-09" if rng.random() < 0.8 else rng.choice(("2020-04", "2019-05", "2020-05"))
        members.append(Member(
            name=name,
            id_number=make_id_number("650102", birth, 100 + i),
            ethnic="汉族" if rng.random() < 0.8 else rng.choice(("回族", "维吾尔族")),
            political="共青团员",
            join_month=join,
            education="本科在读" if rng.random() < 0.85 else "大专在读",
            mobile=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            member_no=f"{join[:4]}{rng.randrange(10**8):08d}",
        ))
    return members


def _choice(value: str, kept: str | None, abbreviations: dict[str, str]) -> list:
    """A value-list field: Enter keeps the value it holds; typing replaces it."""
    if value == kept:
        return [ENTER]
    return [abbreviations[value], ENTER]


def member_keys(m: Member, kept: dict[str, str], i: int, corrections: bool = True) -> list:
    """The keys that enter ``m`` on a form holding ``kept`` (the previous member's kept
    values), ending with Ctrl+S. With ``corrections``, member ``i`` makes the mistakes of
    its kind (i % 5) and corrects them."""
    kind = i % 5 if corrections else -1
    keys: list = []
    # 姓名: a Backspace run over a wrong ending.
    keys += [m.name + "某某", BS, BS, ENTER] if kind == 0 else [m.name, ENTER]
    # 身份证号码: two extra digits in the middle, removed with Backspace.
    if kind == 1:
        keys += [m.id_number[:10] + "99", BS, BS, m.id_number[10:], ENTER]
    else:
        keys += [m.id_number, ENTER]
    keys += _choice(m.ethnic, kept.get("ethnic"), ETHNIC)
    keys += _choice(m.political, kept.get("political"), POLITICAL)
    # 入团年月: kept with Enter; else replaced by typing, or (as the typist who does not
    # trust the selection) End and a Backspace run, or Ctrl+U.
    if m.join_month == kept.get("join_month"):
        keys += [ENTER]
    elif kind == 2:
        keys += [END] + [BS] * 7 + [m.join_month, ENTER]
    elif kind == 3:
        keys += [CTRL_U, m.join_month, ENTER]
    else:
        keys += [m.join_month, ENTER]
    keys += _choice(m.education, kept.get("education"), EDUCATION)
    # 手机号码: a wrong start thrown away with Ctrl+U; or (kind 4) a wrong last digit,
    # noticed after 团员编号 and corrected with Shift+Tab.
    if kind == 3:
        keys += ["1380013", CTRL_U, m.mobile, ENTER]
    elif kind == 4:
        keys += [m.mobile[:-1] + ("0" if m.mobile[-1] != "0" else "1"), ENTER]
    else:
        keys += [m.mobile, ENTER]
    if kind == 4:
        # 团员编号 with a stray digit removed by Left and Delete; then Shift+Tab back to
        # 手机号码 (typing replaces the selected number) and Tab forward (Tab keeps).
        keys += [m.member_no + "7", LEFT, DEL, BTAB, m.mobile, TAB]
    else:
        keys += [m.member_no]
    keys += [CTRL_S]
    return keys


def typed_keys(members: list[Member], corrections: bool = True) -> list[list]:
    """Each member's keys, on the form as it is after the members before it were saved."""
    kept: dict[str, str] = {}
    out = []
    for i, m in enumerate(members):
        out.append(member_keys(m, kept, i, corrections))
        kept = {"ethnic": m.ethnic, "political": m.political, "join_month": m.join_month,
                "education": m.education}
    return out


def to_tmux(keys: list) -> list[str]:
    """Arguments for one ``tmux send-keys`` (text is sent as is: none of it is a key name)."""
    return [k if isinstance(k, str) else TMUX[k.name] for k in keys]


def to_bytes(keys: list) -> bytes:
    return b"".join(k.encode("utf-8") if isinstance(k, str) else BYTES[k.name] for k in keys)


def to_textual(keys: list) -> list[str]:
    """Textual key names (for ``Pilot.press``)."""
    out: list[str] = []
    for k in keys:
        out += list(k) if isinstance(k, str) else [TEXTUAL[k.name]]
    return out


def count_keys(keys: list) -> int:
    """Keystrokes: one per character typed, one per special key."""
    return sum(len(k) if isinstance(k, str) else 1 for k in keys)


FIELDS = ("name", "id_number", "ethnic", "political", "join_month", "education", "mobile", "member_no")


def intended(svc, members: list[Member]) -> dict[str, tuple]:
    """What the database must hold: each member's values as the domain rule stores them."""
    out = {}
    for m in members:
        data = svc.members.check(m.values())
        out[data.id_number] = tuple(getattr(data, f) or "" for f in FIELDS)
    return out


def stored(svc, actor, branch_id: int) -> dict[str, tuple]:
    """The branch's members as saved, every page."""
    out: dict[str, tuple] = {}
    after = None
    while True:
        page = svc.members.list(actor, branch_id, after=after) if after else svc.members.list(actor, branch_id)
        for row in page.items:
            v = svc.members.get(actor, row.id)
            out[v.id_number] = tuple(getattr(v, f) or "" for f in FIELDS)
        if not page.next_after:
            return out
        after = page.next_after
