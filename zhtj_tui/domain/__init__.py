"""Pure rules of the system: no database, no interface.

Every rule of SPEC.md that can be checked on values alone lives here, once; services call
these functions and forms may call them for instant feedback.
"""

from zhtj_tui.domain.errors import DomainError

__all__ = ["DomainError"]
