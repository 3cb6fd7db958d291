"""Errors of the local CXone emulator.

::

    EmulatorError (CxschedError)   the emulator cannot start or an admin call is wrong
    ├── Problem                    an HTTP error answer: status, error code, message, details
    └── StateFileError             the state file cannot be read or written

Request handling raises `Problem` wherever a request is refused; the pipeline in
`reconciler.emulator.app` renders it as the contract's JSON error body. Admin calls of the
library face (`Emulator.edit_schedule`, ...) raise the same `Problem` for the same mistakes.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.errors import CxschedError

__all__ = ["Detail", "EmulatorError", "Problem", "StateFileError"]

#: One field-level complaint of a 400 answer: (JSON pointer, message).
Detail = tuple[str, str]


class EmulatorError(CxschedError):
    """The emulator cannot do what it was asked."""


class Problem(EmulatorError):
    """An HTTP error answer with the contract's body `{"error", "message", "details"?}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Sequence[Detail] = (),
        headers: Sequence[tuple[str, str]] = (),
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = tuple(details)
        self.headers = tuple(headers)
        self.extra = dict(extra or {})


class StateFileError(EmulatorError):
    """The JSON state file is unreadable, corrupt or cannot be written."""
