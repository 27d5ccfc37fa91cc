"""Leaving a form with unsaved input asks first (保存 / 放弃 / 继续录入), whichever key leaves
it: Esc (back to the list), F9 (log out), or Ctrl+Q (the application asks the screen through
``before_leaving``). Nothing typed is lost by a key.

``AsksBeforeLeaving`` is the entry form's base screen; the form says what is unsaved, how it
saves and what leaving returns, and after a successful save runs ``_after_save`` (the leaving
that was waiting for the save)."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from zhtj_tui.screens.members.dialogs import LeaveModal


class AsksBeforeLeaving(Screen):
    """A form screen that asks 保存 / 放弃 / 继续录入 before it is left with unsaved input."""

    #: What to do once the save under way has succeeded (leaving after 保存).
    _after_save: Callable[[], object] | None = None

    # -- what the form supplies ---------------------------------------------------------------
    def unsaved(self) -> bool:
        """Something typed that is not saved."""
        raise NotImplementedError

    def action_save(self) -> None:
        raise NotImplementedError

    def unsaved_what(self) -> str:
        """What would be lost, for the question (e.g. "正在录入的团员")."""
        raise NotImplementedError

    def left_with(self) -> object:
        """What the screen returns when it is closed."""
        return None

    # -- leaving ----------------------------------------------------------------------------
    def before_leaving(self, leaving: str, then: Callable[[], object]) -> None:
        """Do ``then`` now, or, with unsaved input, after asking 保存 / 放弃 / 继续录入."""
        if not self.unsaved():
            then()
            return

        def answered(answer: str | None) -> None:
            if answer == "save":
                self._after_save = then
                self.action_save()
            elif answer == "discard":
                then()

        self.app.push_screen(LeaveModal(self.unsaved_what(), leaving), answered)

    def action_close(self) -> None:
        self.before_leaving("返回团员列表", self._close)

    def _close(self) -> None:
        if self.is_current:
            self.dismiss(self.left_with())

    def action_logout(self) -> None:
        logout = getattr(self.app, "logout", None)
        if logout is not None:
            self.before_leaving("退出登录", logout)
