"""The Admin API profile: CXone's published Admin API, for Personal Connection skills.

Settings (`settings`), OIDC discovery and the access-key password grant (`auth`), the API
version per route (`versions`), the wire shapes of the skill parameter blocks (`wire`), HTTP
errors mapped onto the seam's (`errors`), and `AdminClient`, the `reconciler.api.skills.SkillAPI`
over all of them. Pacing, retries and the pooled HTTP session are the REST profile's
(`reconciler.cxone.transport`). This package is the only code that knows the Admin API's URLs.
"""

from __future__ import annotations

from reconciler.admin.client import AdminClient
from reconciler.admin.settings import AdminSettings

__all__ = ["AdminClient", "AdminSettings"]
