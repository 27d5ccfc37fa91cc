"""Hostile command lines (issue 8): ``cli.main`` with random argv built from the real
subcommands and options mixed with hostile text. Never a traceback; the exit code is 0
(done, --help, --version), 1 or 2 (a refusal, one Chinese line)."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from tests.reliability.conftest import tried
from tests.reliability.test_fuzz import NASTY
from zhtj_tui import cli


def _subcommands() -> list[str]:
    parser = cli.build_parser()
    for action in parser._subparsers._group_actions:  # argparse has no public listing
        return sorted(action.choices)
    return []


SUBCOMMANDS = _subcommands()
OPTIONS = ["--db", "--name", "--full-name", "--category", "--force", "--help", "-h", "--version",
           "--no-mouse", "--", "-", "--json", "--org", "--file", "--limit", "--yes", "--dry-run"]

token = st.one_of(
    st.sampled_from(SUBCOMMANDS),
    st.sampled_from(OPTIONS),
    st.text(alphabet=NASTY, min_size=1, max_size=12),
    st.text(max_size=12),
    st.sampled_from(["1", "0", "-1", "99999999999999999999", "团委", "团支部", "石河子大学团委",
                     "sqlite:///x.sqlite", "postgresql://nobody@127.0.0.1:1/none", "x.sqlite",
                     "/dev/null", "/", ".", "..", "a" * 5000]),
)
argvs = st.builds(lambda cmd, rest: [*cmd, *rest],
                  st.lists(st.sampled_from(SUBCOMMANDS), min_size=0, max_size=1),
                  st.lists(token, max_size=6))


@pytest.fixture(scope="module")
def sandbox():
    """A working directory and a private database: nothing the fuzzing does leaves it."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        env = {"ZHTJ_DB": f"sqlite:///{tmp}/fuzz.sqlite", "ZHTJ_CONFIG": f"{tmp}/none.toml",
               "ZHTJ_STATE_DIR": f"{tmp}/state", "ZHTJ_DATA_DIR": f"{tmp}/data"}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield tmp
        finally:
            os.chdir(old)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=argvs)
def test_random_command_lines(sandbox, monkeypatch, argv):
    import zhtj_tui.commands.ui as ui

    monkeypatch.setattr(ui, "run_interface", lambda args, ctx: 0)  # no terminal UI here
    tried["cli.main argv"] += 1
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
            code = exc.code if isinstance(exc.code, int) else 2
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text, (argv, text)
    assert code in (0, 1, 2), (argv, code, text[-500:])
    if code == 2 and err.getvalue() and "usage" not in err.getvalue():
        assert err.getvalue().startswith(("错误：", "警告：")), (argv, err.getvalue())
