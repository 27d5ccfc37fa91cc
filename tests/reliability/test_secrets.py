"""Secrets (issue 8, R-REG-5, SPEC §9): passwords only as argon2id hashes; no ID number,
phone number, password or registration code in any log (Python logging at DEBUG and the
CLI's error log file); the error log is private; a config file that others can read and
that holds a database password triggers a warning."""

from __future__ import annotations

import logging
import os
import stat

import pytest
from pony.orm import db_session, select

from tests.helpers import PASSWORD, person, register_admin
from zhtj_tui import cli
from zhtj_tui.config import load_settings
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.dto import Actor


def _hashes(svc) -> list[str]:
    with db_session:
        return select(a.password_hash for a in svc.store.Account)[:]


def test_passwords_stored_only_as_argon2id(svc):
    """R-REG-5: the stored value is an argon2id hash, never the password."""
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "密码大学团委", "团委")
    session, who = register_admin(svc, svc.codes.issue(op, top.id).code)
    svc.accounts.change_password(session.account_id, PASSWORD, "NewPass2027x")
    (stored,) = _hashes(svc)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored and "NewPass2027x" not in stored
    with db_session:
        dump = repr(select(a for a in svc.store.Account)[:][0].to_dict())
    assert "NewPass2027x" not in dump
    assert svc.accounts.login(who.mobile, "NewPass2027x").account_id == session.account_id


def test_nothing_secret_in_the_logs(svc, caplog, tmp_path, monkeypatch):
    """Run the flows that handle personal data with every logger at DEBUG: none of the ID
    numbers, mobiles, passwords or codes appears in any record."""
    caplog.set_level(logging.DEBUG)
    op = Actor.server_operator()
    secrets: list[str] = [PASSWORD]
    top = svc.orgs.create_top(op, "日志大学团委", "团委")
    code = svc.codes.issue(op, top.id).code
    secrets.append(code)
    session, who = register_admin(svc, code)
    secrets += [who.id_number, who.mobile]
    me = session.actor(top.id)
    sec = person(name="书记某")
    secrets += [sec.id_number, sec.mobile]
    svc.orgs.save_info(me, top.id, {"secretary_name": sec.name, "secretary_id": sec.id_number,
                                    "secretary_mobile": sec.mobile})
    child = svc.orgs.create_child(me, top.id, "日志学院团委", "团委")
    codes = [svc.codes.issue(me, child.id).code for _ in range(2)]
    secrets += codes
    for bad in (lambda: svc.accounts.login(who.mobile, "Wrong123pass"),
                lambda: svc.accounts.login(who.id_number, "Wrong123pass"),
                lambda: svc.codes.check(codes[0]),  # revoked
                lambda: svc.accounts.register(codes[0], "书记", "王五", who.id_number, who.mobile,
                                              who.join_month, PASSWORD)):
        with pytest.raises(DomainError):
            bad()
    svc.accounts.login(who.id_number, PASSWORD)
    # The CLI: a subcommand that fails unexpectedly with personal data in its message.
    state = tmp_path / "state"
    monkeypatch.setenv("ZHTJ_STATE_DIR", str(state))
    import zhtj_tui.commands.init as init_cmd

    def boom(args, ctx):
        raise RuntimeError(f"leak {who.id_number} {who.mobile} {PASSWORD} {codes[1]}")

    monkeypatch.setattr(init_cmd, "cmd_code", boom)  # bound when main() builds the parser
    rc = cli.main(["--db", svc.settings.db_url, "code", codes[1]])
    assert rc == 70
    log_file = state / "zhtj-error.log"
    text = log_file.read_text("utf-8")
    assert "RuntimeError" in text
    assert stat.S_IMODE(os.stat(log_file).st_mode) == 0o600
    everything = caplog.text + "\n".join(str(r.args) for r in caplog.records) + text
    for s in secrets:
        assert s not in everything, "a secret reached a log"


@pytest.mark.parametrize("db,mode,warned", [
    ("postgresql://zhtj:s3cretPW@db.example/zhtj", 0o644, True),
    ("postgresql://zhtj:s3cretPW@db.example/zhtj", 0o640, True),
    ("postgresql://zhtj:s3cretPW@db.example/zhtj", 0o600, False),
    ("host=db.example dbname=zhtj password=s3cretPW", 0o644, True),
    ("postgresql://zhtj@db.example/zhtj", 0o644, False),  # no password in it
    ("sqlite:///srv/zhtj/zhtj.sqlite", 0o644, False),
])
def test_config_readable_by_others_with_a_password_warns(tmp_path, monkeypatch, capsys, db, mode, warned):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'db = "{db}"\n', "utf-8")
    os.chmod(cfg, mode)
    monkeypatch.setenv("ZHTJ_CONFIG", str(cfg))
    settings = load_settings(env={})
    assert bool(settings.warnings) == warned
    for w in settings.warnings:
        assert "chmod 600" in w and "s3cretPW" not in w
    if warned:
        # The CLI shows it (and never the password).
        cli.main(["backup", str(tmp_path / "never.dump")])
        err = capsys.readouterr().err
        assert "警告" in err and "chmod 600" in err and "s3cretPW" not in err


def test_exported_files_are_private(svc, tmp_path, capsys):
    """Files holding codes or personal data are created 0600 (the codes sheet, the member
    list), like the database and its backups."""
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "导出大学团委", "团委")
    svc.orgs.create_child(op, top.id, "导出学院团委", "团委")
    url = svc.settings.db_url
    codes = tmp_path / "codes.xlsx"
    members = tmp_path / "members.xlsx"
    assert cli.main(["--db", url, "export", "codes", "--org", str(top.id), "-o", str(codes)]) == 0
    assert cli.main(["--db", url, "export", "members", "--org", str(top.id), "-o", str(members), "--full-ids"]) == 0
    capsys.readouterr()
    for f in (codes, members):
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
