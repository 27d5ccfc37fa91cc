"""Bad input loses nothing: no file the program writes under a user-chosen name replaces an
existing file unless asked (``--force`` on the command line). A refused command exits 2,
leaves the existing file byte for byte, and changes nothing in the database (no code
issued, no export recorded). (SPEC §9 exports; R-CODE-4, R-SUB-2, R-MEM-2, R-PROG-4; backups.)"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import make_settings
from zhtj_tui.cli import main
from zhtj_tui.db import backup as bk
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.outfile import FILE_EXISTS, place_file
from zhtj_tui.excel.exports import write_members
from zhtj_tui.excel.templates import write_member_template, write_org_template
from zhtj_tui.excel.writer import check_output_path, save_atomic, write_codes, write_table
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
OLD = b"the user's own file, not a workbook\n"


@pytest.fixture
def old(tmp_path) -> Path:
    f = tmp_path / "old.xlsx"
    f.write_bytes(OLD)
    return f


def refused(fn) -> DomainError:
    with pytest.raises(DomainError) as err:
        fn()
    assert err.value.code == FILE_EXISTS and err.value.field == "path"
    assert "已存在" in err.value.message and "--force" in err.value.message and "覆盖" in err.value.message
    return err.value


def only_file(folder: Path) -> list[str]:
    """Nothing is left beside the target (no temporary file of a refused write)."""
    return sorted(p.name for p in folder.iterdir() if p.name != "zhtj.sqlite" and not p.name.startswith("zhtj.sqlite"))


# -- the writer ----------------------------------------------------------------------------
def test_check_output_path_refuses_an_existing_file_unless_overwrite(old, tmp_path):
    refused(lambda: check_output_path(old))
    assert check_output_path(old, overwrite=True) == old.absolute()
    assert check_output_path(tmp_path / "new.xlsx") == (tmp_path / "new.xlsx").absolute()
    # A dangling symlink is a name in use too: replacing it silently would lose the link.
    link = tmp_path / "link.xlsx"
    link.symlink_to(tmp_path / "nowhere.xlsx")
    refused(lambda: check_output_path(link))


def test_directory_and_device_still_not_a_file_even_with_overwrite(tmp_path):
    for target in (tmp_path, Path("/dev/null")):
        for overwrite in (False, True):
            with pytest.raises(DomainError) as err:
                check_output_path(target, overwrite)
            assert err.value.code == "not_a_file"


@pytest.mark.parametrize("write", [
    lambda p, **kw: write_table(p, "表", ("甲", "乙"), [(1, 2)], **kw),
    lambda p, **kw: save_atomic(Workbook(), p, **kw),
    lambda p, **kw: write_codes(p, [], str, **kw),
    lambda p, **kw: write_members(p, ("姓名",), [("张三",)], (10,), False, "2026-11-27", **kw),
    lambda p, **kw: write_member_template(p, "某团支部", **kw),
    lambda p, **kw: write_org_template(p, _category(), "某团委", **kw),
], ids=["write_table", "save_atomic", "write_codes", "write_members", "member_template", "org_template"])
def test_every_writer_keeps_an_existing_file_unless_overwrite(write, old, tmp_path):
    refused(lambda: write(old))
    assert old.read_bytes() == OLD
    assert only_file(tmp_path) == ["old.xlsx"]  # no temporary file left behind
    assert write(old, overwrite=True) == old.absolute()
    assert old.read_bytes() != OLD
    load_workbook(old)  # a real workbook now
    fresh = tmp_path / "sub" / "fresh.xlsx"
    assert write(fresh) == fresh.absolute() and fresh.is_file()


def _category():
    from zhtj_tui.domain.orgs import category

    return category("团委")


def test_a_file_that_appears_after_the_check_is_not_replaced(tmp_path):
    # The final move without overwrite is a hard link, which fails on an existing name.
    tmp = tmp_path / ".tmp"
    tmp.write_bytes(b"new")
    target = tmp_path / "t.xlsx"
    target.write_bytes(OLD)  # e.g. another program saved it meanwhile
    refused(lambda: place_file(tmp, target))
    assert target.read_bytes() == OLD
    place_file(tmp, target, overwrite=True)
    assert target.read_bytes() == b"new" and not tmp.exists()
    tmp.write_bytes(b"newer")
    place_file(tmp, tmp_path / "u.xlsx")
    assert (tmp_path / "u.xlsx").read_bytes() == b"newer" and not tmp.exists()


# -- the command line --------------------------------------------------------------------------
@pytest.fixture
def db(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHTJ_CONFIG", str(tmp_path / "none.toml"))
    svc = Services.open(make_settings(sqlite_url), client_key="test")
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委", "石河子大学共青团委员会")
    svc.orgs.create_child(OP, top.id, "师范学院团委", "团委")
    svc.orgs.create_child(OP, top.id, "医学院团委", "团委")
    svc.close()
    return sqlite_url, top


def counts(url: str) -> tuple[int, int]:
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return tuple(con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("reg_code", "audit_log"))
    finally:
        con.close()


def commands(top_id: int) -> dict[str, list[str]]:
    org = str(top_id)
    return {
        "export codes": ["export", "codes", "--org", org, "-o"],
        "export members": ["export", "members", "--org", org, "--full-ids", "-o"],
        "template orgs": ["template", "orgs", "--parent", org, "-o"],
        "template members": ["template", "members", "-o"],
        "progress --xlsx": ["progress", org, "--xlsx"],
        "backup": ["backup"],
    }


@pytest.mark.parametrize("name", list(commands(1)))
def test_cli_refuses_an_existing_file_and_force_replaces_it(name, db, old, capsys):
    url, top = db
    argv = ["--db", url, *commands(top.id)[name], str(old)]
    before = counts(url)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "已存在" in err and "--force" in err and "Traceback" not in err
    assert old.read_bytes() == OLD  # untouched, byte for byte
    assert counts(url) == before  # no code issued, no export recorded
    assert only_file(old.parent) == ["old.xlsx"]  # and no temporary file beside it

    assert main([*argv, "--force"]) == 0
    capsys.readouterr()
    assert old.read_bytes() != OLD and os.path.getsize(old) > 0
    if name == "backup":
        assert sqlite3.connect(old).execute("select count(*) from org").fetchone()[0] == 3
    else:
        load_workbook(old)
    if name == "export codes":
        assert counts(url)[0] == before[0] + 2


def test_cli_writes_a_new_file_without_force(db, tmp_path, capsys):
    url, top = db
    for i, (name, args) in enumerate(commands(top.id).items()):
        target = tmp_path / f"new{i}.xlsx"
        assert main(["--db", url, *args, str(target)]) == 0, name
        assert target.is_file(), name
    capsys.readouterr()


def test_postgres_backup_refuses_an_existing_file_before_calling_pg_dump(old, monkeypatch):
    calls = []
    monkeypatch.setattr(bk, "_run_pg", lambda cmd, what: calls.append(cmd))
    refused(lambda: bk.backup("postgresql://postgres@127.0.0.1:5432/nowhere", str(old)))
    assert old.read_bytes() == OLD and calls == []
