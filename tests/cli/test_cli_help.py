"""``zhtj`` as administrators expect of a command: usage, section titles and refusals in
Chinese, -V, examples and exit codes in --help, shell completion for bash and zsh."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from rich.cells import cell_len

from zhtj_tui import __version__
from zhtj_tui.cli import main


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_is_chinese_with_examples_and_exit_codes(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out.startswith("用法：zhtj ")
    for title in ("选项", "命令", "示例：", "退出码："):
        assert title in out
    assert "show this help" not in out and "usage:" not in out and "options:" not in out
    assert "  2    参数有误" in out and "  0    成功" in out
    assert "zhtj completion bash" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines()), [ln for ln in out.splitlines() if cell_len(ln) > 80]
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0 and out.startswith("用法：zhtj check") and "显示本帮助并退出" in out


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(capsys, flag):
    code, out, _ = run(capsys, flag)
    assert code == 0 and out.strip() == f"zhtj-tui {__version__}"


@pytest.mark.parametrize(("argv", "expect"), [
    (["demo", "--scale", "huge"], "参数 --scale：无效的取值 'huge'（可选：'small', 'university', 'province'）"),
    (["progress", "--bogus"], "无法识别的参数：--bogus"),
    (["completion"], "缺少必需的参数：shell"),
    (["check", "--limit", "many"], "无效的值 'many'（应为int）"),
])
def test_refusals_are_one_chinese_line(capsys, argv, expect):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and expect in lines[0], err


def _complete(script: str, words: list[str]) -> list[str]:
    line = " ".join(f"'{w}'" for w in words)
    cmd = f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _zhtj; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion(capsys):
    code, script, _ = run(capsys, "completion", "bash")
    assert code == 0 and "complete -o filenames -F _zhtj zhtj" in script
    assert _complete(script, ["zhtj", "pro"]) == ["progress"]
    assert set(_complete(script, ["zhtj", ""])) >= {"demo", "progress", "check", "completion", "--db", "-V"}
    assert _complete(script, ["zhtj", "demo", "--scale", "u"]) == ["university"]
    assert _complete(script, ["zhtj", "completion", ""]) == ["bash", "zsh"]
    assert set(_complete(script, ["zhtj", "--db", "x.db", "check", "--"])) >= {"--json", "--limit"}


def test_zsh_completion_uses_the_same_function(capsys):
    code, script, _ = run(capsys, "completion", "zsh")
    assert code == 0 and "bashcompinit" in script and "complete -o filenames -F _zhtj zhtj" in script
    if shutil.which("zsh"):
        assert subprocess.run(["zsh", "-n", "-c", script], timeout=30).returncode == 0
