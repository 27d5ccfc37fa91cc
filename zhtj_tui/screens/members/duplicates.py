"""R-MEM-3 on the entry form: an ID number belongs to one active member.

* When the ID field is left, a background lookup asks the service who already holds the
  number; its answer, worded for the case (already in this branch / in another branch the
  administrator manages, which can be moved here / elsewhere, naming the path), shows under
  the fields at once instead of at save.
* When a save is refused because the holder is in another branch the administrator may
  edit, the form offers to move them here (转入本支部) and goes on to the next member.

``DuplicateIds`` is one of the entry form's base screens; the form keeps the fields, shows
the lines and saves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import Input

from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.members.derived import Derived
from zhtj_tui.services.members import DuplicateMember
from zhtj_tui.widgets.calls import run_service
from zhtj_tui.widgets.keyorder import hold_keys

if TYPE_CHECKING:
    from zhtj_tui.domain.errors import DomainError
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor


class DuplicateIds(Screen):
    """Who holds the typed ID number, looked up when the field is left; moving them here."""

    services: Services
    actor: Actor
    branch_id: int
    saving: bool
    _derived: Derived
    #: The ID number last looked up, and who holds it.
    _looked_up: str = ""
    _holder: DuplicateMember | None = None

    # -- what the form supplies ---------------------------------------------------------------
    @property
    def editing(self) -> bool:
        raise NotImplementedError

    def _refresh_derived(self) -> None:
        raise NotImplementedError

    def _show_error(self, exc: DomainError) -> None:
        raise NotImplementedError

    def _save_failed(self, exc: DomainError) -> None:
        raise NotImplementedError

    def _next_member(self, message: str) -> None:
        raise NotImplementedError

    # -- the lookup when the ID field is left ---------------------------------------------------
    def on_input_blurred(self, event: Input.Blurred) -> None:
        if event.input.id == "f-id_number":
            self._look_up_holder()

    def current_holder(self) -> DuplicateMember | None:
        """Who holds the ID number now typed, when the lookup has answered for it."""
        if self._holder is not None and self._looked_up == self._derived.id_number:
            return self._holder
        return None

    def _look_up_holder(self) -> None:
        number = self._derived.id_number
        if not number or number == self._looked_up or self.editing:
            return
        self._looked_up, self._holder = number, None
        members = self.services.members
        run_service(self, lambda: (number, members.id_holder(self.actor, self.branch_id, number)),
                    self._holder_found, lambda exc: None, group="entry-holder")

    def _holder_found(self, result) -> None:
        number, holder = result
        if number != self._looked_up:
            return  # the number changed meanwhile
        self._holder = holder
        self._refresh_derived()

    # -- a save refused: the holder is in a branch the administrator also manages ---------------
    def offer_move(self, exc: DomainError) -> bool:
        """Ask whether to move the holder here; False when the refusal is not that case."""
        if not (isinstance(exc, DuplicateMember) and exc.code == "duplicate_in_subtree" and exc.member_id
                and not self.editing):
            return False
        member_id = exc.member_id
        self._show_error(exc)
        message = f"{exc.message}\n\n是否将该团员从 {exc.holder_path} 转入本支部？"
        self.app.push_screen(ConfirmModal("该团员已在其他团支部", message, "转入本支部", default="yes"),
                             lambda yes: self._move_here(member_id) if yes else None)
        return True

    def _move_here(self, member_id: int) -> None:
        self.saving = True
        hold_keys(self.app, self)
        run_service(self, lambda: self.services.members.transfer(self.actor, [member_id], self.branch_id),
                    self._moved, self._save_failed, group="entry-save")

    def _moved(self, result) -> None:
        self.saving = False
        self._next_member(f"已将该团员转入 {result.to_branch_name}")
