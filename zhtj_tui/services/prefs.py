"""Small preferences of the interface, per administrator account: the management centre's
last tab. Kept in ``prefs.json`` in the state folder (not in the shared database: losing
it costs nothing), under a key made of a digest of the database URL and the account id,
so that two databases used from one folder never mix (and no URL is written out)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from zhtj_tui.config import Settings, state_dir

#: Kept per account at most (the file stays small whatever happens).
KEYS = ("centre_tab",)


class PrefsService:
    def __init__(self, settings: Settings, folder: Path | None = None):
        self.settings = settings
        self.folder = folder

    @property
    def path(self) -> Path:
        return (self.folder or state_dir()) / "prefs.json"

    def _key(self, account_id: int) -> str:
        digest = hashlib.sha256(self.settings.db_url.encode("utf-8")).hexdigest()[:16]
        return f"{digest}:{account_id}"

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, account_id: int | None, key: str) -> str | None:
        if account_id is None or key not in KEYS:
            return None
        value = self._read().get(self._key(account_id), {}).get(key)
        return value if isinstance(value, str) else None

    def set(self, account_id: int | None, key: str, value: str) -> None:
        """Remember ``value``; a folder that cannot be written only means it is not kept."""
        if account_id is None or key not in KEYS:
            return
        data = self._read()
        entry = data.get(self._key(account_id))
        entry = entry if isinstance(entry, dict) else {}
        if entry.get(key) == value:
            return
        entry[key] = value
        data[self._key(account_id)] = entry
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".prefs-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            os.replace(tmp, self.path)  # whole file or nothing, also with two zhtj at once
        except OSError:
            pass
