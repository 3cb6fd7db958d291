"""Reading an Admin API answer that may not be what it should: its JSON and its status text.

`decoded` gives the strictly decoded JSON body of an answer, or None when the body is empty,
longer than the caller's bound or not JSON cxsched accepts (`reconciler.util.strictjson`);
`status_description` gives the `icStatusDescription` header the API explains a refusal with,
and `refusal` the sentence both make (`reconciler.admin.errors.described`), still to be redacted.
Neither raises: what they return only feeds the messages and checks of their callers.
"""

from __future__ import annotations

from typing import Any

from reconciler.admin.errors import described
from reconciler.cxone.transport import Reply
from reconciler.util import strictjson

__all__ = ["decoded", "refusal", "status_description"]


def decoded(reply: Reply, limit: int) -> Any:
    """The JSON of `reply`'s body; None if it is empty, over `limit` bytes or not strict JSON."""
    content = reply.body
    if not content.strip() or len(content) > limit:
        return None
    try:
        return strictjson.loads(content)
    except ValueError:
        return None


def status_description(reply: Reply) -> str | None:
    """The `icStatusDescription` header of `reply`, if it has one."""
    return reply.response.headers.get("icStatusDescription")


def refusal(reply: Reply, limit: int) -> str:
    """What the body and the header of a refusing `reply` say (unredacted)."""
    return described(decoded(reply, limit), status_description(reply))
