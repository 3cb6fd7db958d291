"""The root of every error cxsched expects and renders for its user.

::

    CxschedError                   expected failure: the CLI prints it and exits 1
    ├── InputError                 a file, flag or config value is wrong (reconciler.errors)
    ├── CxoneError                 the API layer (tree in reconciler.cxone.errors)
    ├── PlanError                  a saved plan cannot be used (stale, corrupt, wrong version)
    └── AuditError                 the audit trail cannot be read or written

Anything else that escapes is a bug: the CLI reports it as such and exits 3.
"""

from __future__ import annotations

__all__ = ["AuditError", "CxschedError", "InputError", "PlanError"]


class CxschedError(Exception):
    """An expected failure with a message that says what failed, where, and what to do."""


class InputError(CxschedError):
    """A file, flag or configuration value is wrong."""


class PlanError(CxschedError):
    """A saved plan cannot be applied (changed desired files, corrupt, other version)."""


class AuditError(CxschedError):
    """The audit trail cannot be read or appended to."""
