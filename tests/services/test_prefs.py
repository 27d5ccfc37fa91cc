"""The interface's per-account preferences (the centre's last tab): per account and per
database, and a missing or damaged file only means nothing is remembered."""

from __future__ import annotations

from tests.conftest import make_settings
from zhtj_tui.services.prefs import PrefsService


def test_remembered_per_account_and_per_database(tmp_path):
    a = PrefsService(make_settings(f"sqlite:///{tmp_path / 'a.sqlite'}"), tmp_path)
    b = PrefsService(make_settings(f"sqlite:///{tmp_path / 'b.sqlite'}"), tmp_path)
    assert a.get(1, "centre_tab") is None
    a.set(1, "centre_tab", "members")
    a.set(2, "centre_tab", "progress")
    assert (a.get(1, "centre_tab"), a.get(2, "centre_tab"), b.get(1, "centre_tab")) == ("members", "progress", None)
    assert "sqlite" not in (tmp_path / "prefs.json").read_text(encoding="utf-8")  # no URL written out


def test_a_damaged_file_is_replaced_and_an_unwritable_folder_ignored(tmp_path):
    prefs = PrefsService(make_settings(f"sqlite:///{tmp_path / 'a.sqlite'}"), tmp_path)
    (tmp_path / "prefs.json").write_text("{not json", encoding="utf-8")
    assert prefs.get(7, "centre_tab") is None
    prefs.set(7, "centre_tab", "cadres")
    assert prefs.get(7, "centre_tab") == "cadres"
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    nowhere = PrefsService(prefs.settings, blocked / "sub")
    nowhere.set(7, "centre_tab", "info")  # no exception: just not kept
    assert nowhere.get(7, "centre_tab") is None
