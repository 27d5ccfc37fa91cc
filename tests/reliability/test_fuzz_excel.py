"""Hostile spreadsheets (issue 8): random bytes, truncated and bit-flipped workbooks, zip
bombs by compression ratio, huge claimed dimensions, XML entity bombs, and cells full of
control characters, right-to-left marks, emoji and 10,000-character names. The reader
refuses with a ``DomainError`` in Chinese or returns rows; the import then refuses the bad
rows; nothing that breaks a rule is ever written; no case takes long."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pony.orm import db_session

from tests.excel.xlsx import MEMBER_HEADER, member_row, write_xlsx
from tests.helpers import examples, person
from tests.reliability.conftest import tried
from tests.reliability.test_fuzz import NASTY
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.member import check_member
from zhtj_tui.excel.reader import read_sheet
from zhtj_tui.excel.specs import MEMBER_SPEC, ORG_SPEC
from zhtj_tui.services.dto import Actor

FUZZ = settings(max_examples=examples(120), deadline=None, suppress_health_check=list(HealthCheck))
SECONDS = 10.0  # no single hostile file may take longer than this to refuse


def _valid_bytes(tmp_path) -> bytes:
    path = write_xlsx(tmp_path / "valid.xlsx", [MEMBER_HEADER] + [member_row(person()) for _ in range(5)])
    return path.read_bytes()


def _xlsx_safe(value):
    """What a spreadsheet can hold: XML 1.0 has no control characters, so Excel writes them
    as _xHHHH_ text (openpyxl refuses them raw); everything else goes in as is."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return value


def _read(path, spec=MEMBER_SPEC, name="excel read_sheet"):
    """read_sheet: a ParsedSheet or a Chinese DomainError, quickly."""
    tried[name] += 1
    started = time.monotonic()
    try:
        return read_sheet(path, spec)
    except DomainError as exc:
        assert re.search(r"[\u4e00-\u9fff]", exc.message) and len(exc.message) < 400, exc.message
        return None
    finally:
        assert time.monotonic() - started < SECONDS


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    return _valid_bytes(tmp_path_factory.mktemp("valid"))


@FUZZ
@given(data=st.binary(max_size=4096), prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"]))
def test_random_bytes(tmp_path_factory, data, prefix):
    p = tmp_path_factory.mktemp("rnd") / "x.xlsx"
    p.write_bytes(prefix + data)
    assert _read(p) is None  # never a workbook


@FUZZ
@given(cut=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_workbooks(tmp_path_factory, valid, cut):
    p = tmp_path_factory.mktemp("cut") / "x.xlsx"
    p.write_bytes(valid[: int(len(valid) * cut)])
    _read(p)


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0, 0.999), st.integers(1, 255)), min_size=1, max_size=8))
def test_bit_flipped_workbooks(tmp_path_factory, valid, flips):
    data = bytearray(valid)
    for where, xor in flips:
        data[int(len(data) * where)] ^= xor
    p = tmp_path_factory.mktemp("flip") / "x.xlsx"
    p.write_bytes(bytes(data))
    sheet = _read(p)
    if sheet is not None:  # a flip that left the file readable: rows are still plain values
        for row in sheet.rows:
            assert all(isinstance(v, (str, int, float, date, type(None))) for v in row.values.values())


def _workbook_with(tmp_path, sheet_xml: bytes, shared: bytes | None = None, name="crafted.xlsx"):
    """A minimal .xlsx whose first sheet is ``sheet_xml`` (and sharedStrings ``shared``)."""
    good = zipfile.ZipFile(io.BytesIO(_valid_bytes(tmp_path)))
    p = tmp_path / name
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for info in good.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                z.writestr(info.filename, sheet_xml)
            elif info.filename == "xl/sharedStrings.xml" and shared is not None:
                z.writestr(info.filename, shared)
            else:
                z.writestr(info, good.read(info.filename))
    return p


def _header_cells() -> str:
    return "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
                   for c, h in zip("ABCDEFGHIJK", MEMBER_HEADER, strict=True))


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def test_zip_bomb_by_ratio(tmp_path):
    """A sheet that unpacks to 200 MB of blanks from a few hundred KB: refused unopened."""
    body = SHEET_HEAD + b"<sheetData>" + b" " * (200 * 1024 * 1024) + b"</sheetData></worksheet>"
    p = _workbook_with(tmp_path, body)
    assert p.stat().st_size < 2 * 1024 * 1024
    tried["excel crafted"] += 1
    with pytest.raises(DomainError) as info:
        read_sheet(p, MEMBER_SPEC)
    assert info.value.code == "zip_bomb"


def test_lying_zip_sizes(tmp_path):
    """A member whose declared size is small but which unpacks to far more: never read
    beyond the declared size (zipfile stops there and the CRC check fails): refused."""
    body = SHEET_HEAD + b"<sheetData>" + b" " * (20 * 1024 * 1024) + b"</sheetData></worksheet>"
    p = _workbook_with(tmp_path, body)
    data = bytearray(p.read_bytes())
    # Rewrite the sheet's declared uncompressed size (local header and central directory).
    real = len(body).to_bytes(4, "little")
    fake = (4096).to_bytes(4, "little")
    assert data.count(real) >= 1
    data = data.replace(real, fake)
    p.write_bytes(bytes(data))
    tried["excel crafted"] += 1
    assert _read(p) is None


@pytest.mark.parametrize("dimension,last_row", [
    ("A1:XFD1048576", 1048576),
    ("A1:ZZ99999999", 2),
    ("A1:K3", 1048576),
])
def test_huge_claimed_dimensions(tmp_path, dimension, last_row):
    """A 5 KB file claiming billions of cells: read bounded, refused or read quickly."""
    cells = _header_cells()
    body = SHEET_HEAD + (f'<dimension ref="{dimension}"/><sheetData><row r="1">{cells}</row>'
                         f'<row r="{last_row}"><c r="XFD{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'
                         '</sheetData></worksheet>').encode()
    p = _workbook_with(tmp_path, body)
    sheet = _read(p, name="excel crafted")
    assert sheet is None or len(sheet.rows) <= 1


def test_control_characters_in_the_xml(tmp_path):
    """A crafted sheet with character references XML 1.0 forbids (&#7;): refused."""
    cells = _header_cells()
    body = SHEET_HEAD + (f'<sheetData><row r="1">{cells}</row><row r="2"><c r="A2" t="inlineStr">'
                         '<is><t>张&#7;三&#x1b;[31m</t></is></c></row></sheetData></worksheet>').encode()
    p = _workbook_with(tmp_path, body)
    sheet = _read(p, name="excel crafted")
    assert sheet is None or all("\x07" not in str(r.values) for r in sheet.rows)


def test_xml_entity_bomb(tmp_path):
    """Billion laughs in the sheet: refused (the parser's amplification limits), fast."""
    lol = b'<!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    ) + b"]>"
    body = (b'<?xml version="1.0" encoding="UTF-8"?>' + lol +
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    p = _workbook_with(tmp_path, body)
    assert _read(p, name="excel crafted") is None


hostile_cell = st.one_of(
    st.text(alphabet=NASTY, max_size=30),
    st.integers(min_value=20, max_value=10_000).map(lambda n: "团" * n),
    st.sampled_from(["=HYPERLINK(\"http://x\",\"点我\")", "=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0",
                     "\u202e张三", "张\u200b三", "\U0001F600\U0001F600", "1" * 400, "1.1E+17"]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(hostile_cell, min_size=11, max_size=11), min_size=1, max_size=4),
       keep=st.lists(st.booleans(), min_size=11, max_size=11))
def test_hostile_cells_never_reach_the_database(svc_module, tmp_path_factory, rows, keep):
    """Rows that mix valid members with hostile cells: the import creates only rows that
    pass the member rule; what is stored is clean (no control or direction characters,
    within the length limits)."""
    svc, branch = svc_module
    good = [member_row(person()) for _ in rows]
    mixed = [[g if k else _xlsx_safe(h) for g, h, k in zip(gr, hr, keep, strict=True)]
             for gr, hr in zip(good, rows, strict=True)]
    path = write_xlsx(tmp_path_factory.mktemp("cells") / "m.xlsx", [MEMBER_HEADER] + mixed)
    tried["excel member_import rows"] += len(mixed)
    try:
        svc.member_import.run_file(Actor.server_operator(), branch, str(path))
    except DomainError as exc:
        assert re.search(r"[\u4e00-\u9fff]", exc.message)
    with db_session:
        stored = svc.store.db.select("select name, id_number, mobile, note, join_unit, post_name from member")
    today = svc.settings.today()
    for name, idn, mobile, note, unit, post_name in stored:
        for text in (name, note or "", unit or "", post_name or ""):
            assert not re.search("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\ufeff]", text), text[:40]
        assert len(name) <= 30 and len(note or "") <= 500
        check_member({"name": name, "id_number": idn, "ethnic": "汉族", "political": "共青团员",
                      "join_month": "2015-01", "education": "本科", "mobile": mobile}, today)


@pytest.fixture(scope="module")
def svc_module(tmp_path_factory):
    from tests.conftest import make_settings
    from zhtj_tui.services import Services

    url = f"sqlite:///{tmp_path_factory.mktemp('db')}/zhtj.sqlite"
    services = Services.open(make_settings(url), client_key="fuzz")
    op = Actor.server_operator()
    top = services.orgs.create_top(op, "模糊大学团委", "团委")
    branch = services.orgs.create_child(op, top.id, "模糊2024级1班团支部", "团支部")
    yield services, branch.id
    services.close()


def test_org_sheet_with_hostile_names(tmp_path, svc_module):
    """Batch creation of children (R-SUB-2) from hostile names: refused rows, no org with
    control characters or over-long names."""
    svc, _ = svc_module
    top = svc.orgs.top()
    names = ["正常1班团支部", "\u202e反向团支部", "a\x07b团支部", "团" * 10_000 + "团支部", "😀团支部",
             "=1+1团支部", "  空格  团支部  "]
    path = write_xlsx(tmp_path / "o.xlsx", [["组织简称", "组织类别", "组织全称"]] +
                      [[_xlsx_safe(n), "团支部", None] for n in names])
    tried["excel org_import rows"] += len(names)
    assert _read(path, ORG_SPEC) is not None
    svc.org_import.run_file(Actor.server_operator(), top.id, str(path))
    with db_session:
        stored = [r for (r,) in [(x,) for x in svc.store.db.select("select short_name from org")]]
    for name in stored:
        assert len(name) <= 60 and not re.search("[\x00-\x1f\u202e]", name), name[:40]
    assert "正常1班团支部" in stored
