"""Semantic checks of schedule files, beyond what their JSON Schema can say.

Each rule has a stable id and a severity. The rules read a typed view of a document in which
every value the schema would reject is left out, so they never repeat a schema finding and
never fail on a malformed value.

========================  ========  =====================================================
rule                      severity  finding
========================  ========  =====================================================
unknown-timezone          error     a zone that is not an IANA name (with a suggestion)
span-order                error     startTime is not before endTime
schedule-past             warning   the schedule ended before now
blackout-order            error     a blackout's endTime is not after its startTime
blackout-overlap          warning   two blackouts overlap
blackout-outside-span     warning   a blackout lies wholly outside the schedule (stale date?)
window-order              error     a regulatory window's end is not after its start
window-overlap            error     two regulatory windows of one zone overlap
no-callable-time          error     blackouts and windows leave no time to call
dst-gap, dst-fold         warning   a boundary's wall-clock time is skipped or repeated
offset-mismatch           warning   an offset that is not the zone's offset on that date
call-rate-limit           error     callRate above the tenant's maxCallRate
concurrency-limit         error     maxConcurrentCalls above the tenant's capacity
campaign-folder           error     campaignId differs from the folder holding the file
duplicate-schedule        error     a (campaign, name) or pinned scheduleId in two files
legal-hours               error     callable time outside a jurisdiction's calling hours
legal-no-window           warning   a zone of a declared jurisdiction no window calls
legal-jurisdiction        error     a declared jurisdiction code that is not known
legal-span                error     a span longer than the calling-law proof judges (5 years)
========================  ========  =====================================================
"""

from __future__ import annotations

from reconciler.validate.rules.context import RuleContext
from reconciler.validate.rules.duplicates import ScheduleKey, check_duplicates, key_of
from reconciler.validate.rules.schedule import check_document, limit_findings

__all__ = [
    "RuleContext",
    "ScheduleKey",
    "check_document",
    "check_duplicates",
    "key_of",
    "limit_findings",
]
