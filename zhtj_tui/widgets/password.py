"""The new password typed twice (R-REG-7), as 修改密码 and 忘记密码 ask for it: the two
fields, Enter on the second submits, and the two must match before any service is called."""

from __future__ import annotations

from collections.abc import Iterator

from zhtj_tui.widgets.field import Form, FormField

NEW_PASSWORD, NEW_PASSWORD_AGAIN = "new_password", "new_password2"


class NewPasswordForm(Form):
    """Mixin for a form screen with a ``submit()`` method."""

    def new_password_fields(self) -> Iterator[FormField]:
        yield FormField(NEW_PASSWORD, "新密码", required=True, password=True, placeholder="至少8位，含字母和数字")
        yield FormField(NEW_PASSWORD_AGAIN, "再次输入新密码", required=True, password=True)

    def field_enter(self, field) -> None:
        """Enter moves to the next field; on the repeated new password it submits."""
        if field.id == f"input-{NEW_PASSWORD_AGAIN}":
            self.submit()
        else:
            self.focus_next()  # type: ignore[attr-defined]

    def submit(self) -> None:
        raise NotImplementedError

    def checked_values(self) -> dict[str, str] | None:
        """The form's values when every field is filled in and the new password was typed
        the same twice; otherwise None, with the error shown under its field."""
        if not self.validate_all():
            return None
        values = self.values()
        if values[NEW_PASSWORD] != values[NEW_PASSWORD_AGAIN]:
            again = self.field(NEW_PASSWORD_AGAIN)
            again.set_error("两次输入的新密码不一致")
            again.focus_control()
            return None
        return values
