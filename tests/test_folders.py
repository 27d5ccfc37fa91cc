"""Each administrator's own folder (SPEC §9: an administrator sees only what is theirs):
created 0700 on first use, the only place the interface's file boxes reach."""

from __future__ import annotations

import os
import stat

import pytest

from zhtj_tui.config import Settings
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.folders import OUTSIDE, Folder, account_folder, files_root, folder_for
from zhtj_tui.screens.batch_import import PathSuggester
from zhtj_tui.services.dto import Actor


def mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_created_0700_on_first_use_and_mended(tmp_path):
    root = tmp_path / "files"
    settings = Settings(db_url="sqlite:///x", files_dir=str(root))
    assert not root.exists()
    mine = folder_for(settings, Actor(account_id=7, org_id=1))
    assert mine.path == root / "7" and mine.path.is_dir()
    assert mode(root) == 0o700 and mode(mine.path) == 0o700
    os.chmod(mine.path, 0o755)  # widened by hand: put back
    assert mode(account_folder(root, 7)) == 0o700
    assert folder_for(settings, Actor.server_operator()).path is None  # the operator is not confined


def test_files_root_defaults_under_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHTJ_DATA_DIR", str(tmp_path / "data"))
    assert files_root(Settings(db_url="sqlite:///x")) == tmp_path / "data" / "files"


@pytest.mark.parametrize("typed", ["../8/secret.xlsx", "/etc/passwd", "~/../8/secret.xlsx", "sub/../../x.xlsx",
                                   "link/secret.xlsx", "../../etc/passwd"])
def test_paths_out_of_the_folder_are_refused(tmp_path, typed):
    root = tmp_path / "files"
    mine, theirs = account_folder(root, 7), account_folder(root, 8)
    (theirs / "secret.xlsx").write_bytes(b"id numbers")
    (mine / "link").symlink_to(theirs)  # a link planted in the folder leads nowhere either
    with pytest.raises(DomainError) as err:
        Folder(mine).resolve(typed)
    assert err.value.code == OUTSIDE and "只能使用您自己的文件夹" in err.value.message


def test_names_in_the_folder(tmp_path):
    mine = account_folder(tmp_path / "files", 7)
    f = Folder(mine)
    assert f.resolve("名单.xlsx") == mine / "名单.xlsx"
    assert f.resolve("~/名单.xlsx") == mine / "名单.xlsx"  # ~ is the own folder
    assert f.resolve(str(mine / "a" / "b.xlsx")) == mine / "a" / "b.xlsx"
    assert f.default("模板.xlsx") == "模板.xlsx" and Folder(None).default("模板.xlsx") == "~/模板.xlsx"
    assert f.shown(mine / "名单.xlsx") == "名单.xlsx"


async def test_completion_lists_only_the_own_folder(tmp_path):
    root = tmp_path / "files"
    mine, theirs = account_folder(root, 7), account_folder(root, 8)
    (mine / "团员名单.xlsx").write_bytes(b"")
    (theirs / "团员-他人.xlsx").write_bytes(b"")
    s = PathSuggester(Folder(mine))
    assert await s.get_suggestion("团") == "团员名单.xlsx"
    assert await s.get_suggestion("../8/团") is None
    assert await s.get_suggestion(str(theirs) + "/团") is None
    assert await s.get_suggestion("/") is None
