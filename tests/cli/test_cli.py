"""The ``zhtj`` command: init and code (R-CODE-6), database URLs, errors as one Chinese
line, unexpected errors to a private log file. Run as a real subprocess where it matters."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zhtj_tui import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e.update(PYTHONPATH=str(ROOT), ZHTJ_STATE_DIR=str(tmp_path / "state"), ZHTJ_DATA_DIR=str(tmp_path / "data"),
             ZHTJ_CONFIG=str(tmp_path / "config.toml"))
    e.pop("ZHTJ_DB", None)
    return e


def zhtj(env, *args):
    proc = subprocess.run([sys.executable, "-m", "zhtj_tui", *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    return proc.returncode, proc.stdout, proc.stderr


def one_chinese_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("错误：") and re.search(r"[\u4e00-\u9fff]{4}", lines[0])
    return lines[0]


def test_init_then_code_by_id_full_and_short_name(env, db_url):
    # R-CODE-6: the operator creates the top organisation and gets its first code
    rc, out, err = zhtj(env, "--db", db_url, "init", "--name", "石河子大学团委", "--full-name", "石河子大学共青团委员会")
    assert (rc, err) == (0, "")
    first = re.search(r"管理员注册码：([0-9A-Za-z]{8})$", out, re.M).group(1)
    assert re.search(r"有效期至：\d{4}-\d\d-\d\d \d\d:\d\d$", out, re.M)
    assert "石河子大学团委（团委，编号 1）" in out
    # a second init is refused: non-zero, one Chinese line, no traceback
    rc, out, err = zhtj(env, "--db", db_url, "init", "--name", "另一个团委")
    assert rc == 2 and out == ""
    assert "已有顶级组织" in one_chinese_line(err)
    # zhtj code ORG by id, by full name, by short name: each a fresh code, the earlier revoked
    seen = {first}
    for ref in ("1", "石河子大学共青团委员会", "石河子大学团委"):
        rc, out, err = zhtj(env, "--db", db_url, "code", ref)
        assert (rc, err) == (0, ""), err
        code = re.search(r"管理员注册码：([0-9A-Za-z]{8})$", out, re.M).group(1)
        assert code not in seen and "石河子大学团委（团委，编号 1）" in out
        seen.add(code)
    rc, out, err = zhtj(env, "--db", db_url, "code", "不存在的团委")
    assert rc == 2 and "找不到组织" in one_chinese_line(err)


def test_db_from_environment_and_flag(env, tmp_path):
    env["ZHTJ_DB"] = f"sqlite:///{tmp_path / 'env.sqlite'}"
    rc, _, err = zhtj(env, "init", "--name", "环境变量团委")
    assert rc == 0, err
    assert (tmp_path / "env.sqlite").exists() and not (tmp_path / "data").exists()
    flag = tmp_path / "flag.sqlite"
    rc, _, _ = zhtj(env, "--db", str(flag), "init", "--name", "参数团委")
    assert rc == 0 and flag.exists()  # the flag wins over ZHTJ_DB
    assert stat.S_IMODE(flag.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("url", "expect"),
    [("mysql://u@h/db", "不支持的数据库地址"), ("postgresql://nobody@127.0.0.1:1/zhtj", "无法连接 PostgreSQL")],
)
def test_bad_db_url(env, url, expect):
    rc, out, err = zhtj(env, "--db", url, "code", "1")
    assert rc == 2 and out == "" and expect in one_chinese_line(err)


def test_argument_errors_are_chinese(env, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["init"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "zhtj --help" in one_chinese_line(err) and "--name" in err


def test_domain_errors_in_process(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    assert cli.main(["--db", url, "init", "--name", "师范学院团支部", "--category", "团委"]) == 2
    assert "“团委”结尾" in one_chinese_line(capsys.readouterr().err)
    assert cli.main(["--db", url, "init", "--name", "某团委", "--category", "团小组"]) == 2
    assert "组织类别“团小组”不存在" in one_chinese_line(capsys.readouterr().err)


def test_unexpected_error_goes_to_a_private_log(tmp_path, capsys, monkeypatch):
    # No traceback on screen; the log keeps the traceback but not the values typed
    from zhtj_tui.commands import init

    secret = "11010519491231002X"

    def boom(args, ctx):
        mobile = "139" + "12345678"
        raise RuntimeError("something broke for " + args.org + " " + mobile)

    monkeypatch.setenv("ZHTJ_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(init, "cmd_code", boom)
    rc = cli.main(["--db", str(tmp_path / "z.sqlite"), "code", secret])
    assert rc == 70
    line = one_chinese_line(capsys.readouterr().err)
    log = tmp_path / "state" / "zhtj-error.log"
    assert str(log) in line and "RuntimeError" in line and secret not in line
    text = log.read_text("utf-8")
    assert "builtins.RuntimeError" in text and "command=code" in text and "in boom" in text
    assert secret not in text and "13912345678" not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_code_by_ambiguous_short_name(tmp_path, capsys):
    from tests.conftest import make_settings
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    svc = Services.open(make_settings(url))
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "歧义大学团委", "团委")
    for college in ("文学院团委", "理学院团委"):
        parent = svc.orgs.create_child(op, top.id, college, "团委")
        svc.orgs.create_child(op, parent.id, "学生会团支部", "团支部")
    svc.close()
    assert cli.main(["--db", url, "code", "学生会团支部"]) == 2
    assert "有多个组织简称为“学生会团支部”" in one_chinese_line(capsys.readouterr().err)
    assert cli.main(["--db", url, "code", "理学院团委"]) == 0
    assert "理学院团委（团委，编号 4）" in capsys.readouterr().out
