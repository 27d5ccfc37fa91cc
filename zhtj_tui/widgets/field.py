"""A labelled form field: label (red while a required field is empty), a one-line input
or select, and a line under it for the error or hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import events
from textual.app import ComposeResult, active_app
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Label, Select, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.widgets.host import host

#: A check gets the typed text; it raises DomainError or returns an optional hint.
Check = Callable[[str], "str | None"]


class FieldInput(Input):
    """A form input: Enter moves to the next field (and then reports Submitted).

    Keys typed ahead (a burst over SSH: "13900000001⏎secret⏎") each reach the field that has
    the focus when their turn comes: the application hands them out one at a time
    (``widgets.keyorder.OrderedKeys``), so the keys after Enter go to the next field.

    A screen with a method ``field_enter(field)`` decides what Enter does itself (e.g. the
    member entry form saves on its last field)."""

    #: The width of the typed text (Textual scrolls the input by it). Textual's Widget lays
    #: the whole screen out again whenever it changes, i.e. on every key; a form input has a
    #: fixed size, so repainting the input is enough. On a form of 20 widgets that layout
    #: was most of the cost of a key and of the blank form after a save.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)

    BINDINGS = [
        Binding("enter", "enter_key", "下一项", show=False, priority=True, id="field.enter"),
        Binding("tab", "app.focus_next", "下一项", show=False, priority=True, id="field.tab"),
        Binding("shift+tab", "app.focus_previous", "上一项", show=False, priority=True, id="field.back_tab"),
    ]

    async def action_enter_key(self) -> None:
        handler = getattr(self.screen, "field_enter", None)
        if handler is not None:
            handler(self)
            return
        self.screen.focus_next()
        await super().action_submit()

    async def action_submit(self) -> None:
        await self.action_enter_key()


def make_input(**kw) -> Input:
    """An Input that honours the cursor-blink setting."""
    inp = FieldInput(compact=True, **kw)
    try:
        inp.cursor_blink = bool(host(active_app.get()).settings.cursor_blink)
    except (LookupError, AttributeError):
        inp.cursor_blink = False
    return inp


class FormField(Vertical):
    """One field. ``value`` is the text (or the selected value, '' when none)."""

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0; }
    FormField > Horizontal { height: 1; }
    FormField .field-label { width: 17; height: 1; color: $text-muted; }
    FormField.-required .field-label { color: $text; }
    FormField.-required.-empty .field-label { color: $error; text-style: bold; }
    FormField.-focused .field-label { color: $accent; text-style: bold; }
    FormField Input, FormField Select { width: 1fr; }
    FormField .field-msg { height: auto; padding-left: 17; display: none; }
    FormField .field-msg.-error { display: block; color: $error; }
    FormField .field-msg.-hint { display: block; color: $warning; }
    FormField .field-msg.-note { display: block; color: $text-muted; }
    """

    required = reactive(False)
    has_error = reactive(False)

    def __init__(
        self,
        key: str,
        label: str,
        *,
        required: bool = False,
        password: bool = False,
        placeholder: str = "",
        value: str = "",
        check: Check | None = None,
        live: Check | None = None,
        options: Iterable[tuple[str, str]] | None = None,
        max_length: int = 0,
        suggester=None,
        disabled: bool = False,
    ) -> None:
        # The marks ``_mark`` keeps, set before the first layout (not restyled after it).
        marks = " ".join(c for c, on in (("-required", required), ("-empty", not (value or "").strip())) if on)
        super().__init__(id=f"field-{key}", disabled=disabled, classes=marks or None)
        self.key = key
        self.label = label
        self.check = check
        self.live = live
        self._options = list(options) if options is not None else None
        self._password = password
        self._placeholder = placeholder
        self._initial = value
        self._max_length = max_length
        self._suggester = suggester
        self.set_reactive(FormField.required, required)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(" " + self.label, classes="field-label", markup=False)
            if self._options is not None:
                from zhtj_tui.widgets.select import ChineseSelect  # not needed by the login screen

                sel: Select[str] = ChineseSelect(
                    self._options, prompt="请选择", compact=True, id=f"input-{self.key}", type_to_search=True,
                    value=self._initial if self._initial in {v for _, v in self._options} else Select.NULL,
                )
                yield sel
            else:
                yield make_input(
                    value=self._initial, password=self._password, placeholder=self._placeholder,
                    id=f"input-{self.key}", max_length=self._max_length, suggester=self._suggester,
                )
        # The line under the field is added when it first has something to say (most fields
        # never do): two widgets less per field to make, style and lay out.

    def _msg(self, create: bool = True) -> Static | None:
        """The line under the field for an error, hint or note (made on first use)."""
        found = self.query_children(".field-msg")
        if found:
            return found.first(Static)
        if not create:
            return None
        msg = Static("", classes="field-msg", markup=False)
        self.mount(msg)
        return msg

    def on_mount(self) -> None:
        self._mark()

    # -- value --------------------------------------------------------------------------
    @property
    def control(self) -> Input | Select:
        control = self.query_one(f"#input-{self.key}")
        assert isinstance(control, (Input, Select))
        return control

    @property
    def value(self) -> str:
        c = self.control
        if isinstance(c, Select):
            v = c.value
            return "" if v is Select.NULL or v is None else str(v)
        return c.value

    @value.setter
    def value(self, text: str | None) -> None:
        c = self.control
        if isinstance(c, Select):
            options = {v for _, v in (self._options or [])}
            c.value = text if text in options else Select.NULL
        else:
            c.value = text or ""
        self._mark()

    def set_options(self, options: Iterable[tuple[str, str]]) -> None:
        self._options = list(options)
        c = self.control
        if isinstance(c, Select):
            c.set_options(self._options)

    def focus_control(self) -> None:
        self.control.focus()

    # -- messages -------------------------------------------------------------------------
    def set_error(self, message: str) -> None:
        msg = self._msg()
        assert msg is not None
        msg.update(message)
        msg.set_class(True, "-error")
        msg.set_class(False, "-hint")
        self.has_error = True

    def set_hint(self, message: str | None) -> None:
        msg = self._msg(create=bool(message))
        self.has_error = False
        if msg is None:
            return
        msg.update(message or "")
        msg.set_class(bool(message), "-hint")
        msg.set_class(False, "-error")

    def set_note(self, message: str | None) -> None:
        """A quiet line under the field (e.g. a locked value too long for its box, in full)."""
        msg = self._msg(create=bool(message))
        self.has_error = False
        if msg is None:
            return
        msg.update(message or "")
        msg.set_class(False, "-hint")
        msg.set_class(False, "-error")
        msg.set_class(bool(message), "-note")

    def clear(self) -> None:
        self.set_hint(None)
        msg = self._msg(create=False)
        if msg is not None:
            msg.set_class(False, "-note")

    @property
    def message(self) -> str:
        msg = self._msg(create=False)
        return "" if msg is None else str(msg.render())

    def validate(self, require: bool = True) -> bool:
        """Run the field's check now (on blur and before submitting). With ``require``
        off, an empty required field passes (it stays marked red)."""
        self._mark()
        if self.disabled or not self.display:
            return True
        text = self.value
        if not text.strip():
            if self.required and require:
                self.set_error(f"请选择{self.label}" if self._options is not None else f"请填写{self.label}")
                return False
            self.clear()
            return True
        if self.check is None:
            self.clear()
            return True
        try:
            hint = self.check(text)
        except DomainError as exc:
            self.set_error(exc.message)
            return False
        self.set_hint(hint)
        return True

    def _mark(self) -> None:
        self.set_class(self.required, "-required")
        try:
            empty = not self.value.strip()
        except Exception:  # noqa: BLE001 - before compose
            empty = not self._initial
        self.set_class(empty, "-empty")

    def watch_required(self) -> None:
        if self.is_mounted:
            self._mark()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A visible marker of the field being edited (plain text: works in every terminal)."""
        self.query_one(".field-label", Label).update("▸" + self.label)
        self.add_class("-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.query_one(".field-label", Label).update(" " + self.label)
        self.remove_class("-focused")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._mark()
        if self.live is not None:
            text = event.value
            if not text.strip():
                self.clear()
                return
            try:
                hint = self.live(text)
            except DomainError as exc:
                self.set_hint(exc.message)
                return
            self.set_hint(hint)
        elif self.has_error:
            self.clear()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if self.is_mounted and self.app.is_running:
            self.validate()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._mark()
        if self.has_error:
            self.validate()


class Form:
    """Mixin: the FormFields under a widget, their values, errors placed by field."""

    def fields(self) -> dict[str, FormField]:
        return {f.key: f for f in self.query(FormField)}  # type: ignore[attr-defined]

    def field(self, key: str) -> FormField:
        return self.query_one(f"#field-{key}", FormField)  # type: ignore[attr-defined]

    def values(self, keys: Iterable[str] | None = None) -> dict[str, str]:
        fields = self.fields()
        return {k: f.value for k, f in fields.items() if keys is None or k in keys}

    def validate_all(self, keys: Iterable[str] | None = None, require: Iterable[str] | None = None) -> bool:
        """Check every shown field; focus the first wrong one. ``require`` limits which
        required fields must be filled (default: all of them)."""
        first = None
        must = None if require is None else set(require)
        for key, f in self.fields().items():
            if keys is not None and key not in keys:
                continue
            if not f.validate(must is None or key in must) and first is None:
                first = f
        if first is not None:
            first.focus_control()
            return False
        return True

    def show_error(self, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
        """Put the service's error under its field and focus it; otherwise notify."""
        key = (aliases or {}).get(exc.field or "", exc.field or "")
        fields = self.fields()
        f = fields.get(key)
        if f is not None and f.display:
            f.set_error(exc.message)
            f.focus_control()
        else:
            self.app.notify(exc.message, severity="error", timeout=10)  # type: ignore[attr-defined]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter has already moved to the next field (``FieldInput``)."""
        event.stop()
