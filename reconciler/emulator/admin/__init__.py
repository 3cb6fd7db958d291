"""The Admin API emulator: CXone's published Admin API for Personal Connection skills.

`AdminEmulator` serves OIDC discovery, the access-key password grant, cxone-configuration and
the skill parameter blocks over real HTTP on loopback, with the API's habits and quirks (see
`reconciler.emulator.admin.handlers`). `cxsched emulator serve --profile admin` runs it.
"""

from __future__ import annotations

from reconciler.emulator.admin.server import AdminEmulator

__all__ = ["AdminEmulator"]
