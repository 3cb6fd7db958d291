"""The plan: what would change on the tenant, decided from desired and live state.

A plan is an immutable value. `make_plan` decides it from the desired state and the live
schedules of the managed campaigns (those with at least one desired file), without any I/O;
`read_live` fetches the live side through the `ScheduleAPI` seam with one list call per
campaign page. Renderers (`reconciler.plan.render`) print a plan; apply consumes it, from memory
or from a plan file (`reconciler.plan.planfile`, the format in docs/plan-format.md).

Each action keeps the canonical live body it was decided on (`base`) and the plan the tenant it
was read from, so that apply can re-derive a saved plan (`reconciler.plan.rederive`).

Identity: a desired schedule matches a live one by its pinned `scheduleId` when the file has
one (so a rename is an update), else by (campaign, name). Live schedules of a managed campaign
that no file declares are unmanaged and left alone; with `prune` they become deletes, but only
in campaigns whose repo config opts in to pruning.

Errors: `reconciler.errors.PlanError` for a desired state that cannot be planned (a pinned id
that is gone from the tenant, two files pinning one id) and for an unusable plan file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from reconciler import __version__
from reconciler.api.protocol import ScheduleAPI
from reconciler.config import IgnoreRule, RepoConfig
from reconciler.laws.policy import LawException
from reconciler.model import DesiredSchedule, LiveSchedule, TenantLimits, VersionToken
from reconciler.plan.identity import match_campaign, source_path
from reconciler.plan.normalise import (
    FieldChange,
    canonical,
    field_changes,
    ignore_pointers,
    merge_patch,
    payload_hash,
)

if TYPE_CHECKING:
    from reconciler.validate.desired import DesiredState

__all__ = [
    "ACTION_KINDS",
    "PLAN_FORMAT_VERSION",
    "Action",
    "ActionKind",
    "FieldChange",
    "Plan",
    "PlanCounts",
    "Unmanaged",
    "make_plan",
    "make_plan_from",
    "plan_one",
    "read_live",
    "source_path",
]

#: The version of the JSON plan format (docs/plan-format.md); bumped on any incompatible change.
PLAN_FORMAT_VERSION = 2

ActionKind = Literal["create", "update", "delete", "noop"]
ACTION_KINDS: tuple[ActionKind, ...] = ("create", "update", "delete", "noop")


@dataclass(frozen=True, slots=True)
class Action:
    """What to do with one schedule, and the facts the decision was made on."""

    kind: ActionKind
    campaign_id: str
    name: str
    schedule_id: str | None  # None for create
    base_version: VersionToken | None  # the version the decision was made on; None for create
    changes: tuple[FieldChange, ...]  # empty for noop and delete
    body: Mapping[str, Any] | None  # create: full desired body; update: merge patch
    desired: Mapping[str, Any] | None  # canonical desired body (ignores applied); None for
    # delete and noop (a noop keeps only its hash)
    desired_hash: str | None  # payload_hash of the canonical desired body
    source: str | None  # the desired file, repo-relative POSIX path
    #: the canonical live body the decision was made on (update, noop, delete); None for create
    #: and for a noop whose live body is its desired body (`desired_hash` names both)
    base: Mapping[str, Any] | None = None

    @property
    def is_change(self) -> bool:
        return self.kind != "noop"


@dataclass(frozen=True, slots=True)
class Unmanaged:
    """A live schedule of a managed campaign that no desired file declares."""

    campaign_id: str
    schedule_id: str
    name: str


class PlanCounts(NamedTuple):
    """How many actions of each kind a plan holds, and how many schedules it leaves alone."""

    create: int
    update: int
    delete: int
    noop: int
    unmanaged: int


@dataclass(frozen=True, slots=True)
class Plan:
    """A complete, immutable plan (the JSON form is documented in docs/plan-format.md)."""

    format_version: int
    tool_version: str
    desired_digest: str
    files: tuple[str, ...]
    paths: tuple[str, ...]
    campaigns: tuple[str, ...]
    prune: bool
    limits: TenantLimits
    ignore: tuple[IgnoreRule, ...]
    actions: tuple[Action, ...]
    unmanaged: tuple[Unmanaged, ...]
    #: the counsel-approved calling-law exceptions (cxsched.yaml) of the planned schedules
    law_exceptions: tuple[LawException, ...] = ()
    #: the tenant the live state was read from (host and client id; never a secret)
    tenant: str = ""

    @property
    def has_changes(self) -> bool:
        return any(action.is_change for action in self.actions)

    @property
    def changes(self) -> tuple[Action, ...]:
        """The create, update and delete actions, in plan order."""
        return tuple(action for action in self.actions if action.is_change)

    def counts(self) -> PlanCounts:
        kinds = [action.kind for action in self.actions]
        return PlanCounts(
            create=kinds.count("create"),
            update=kinds.count("update"),
            delete=kinds.count("delete"),
            noop=kinds.count("noop"),
            unmanaged=len(self.unmanaged),
        )

    def ignore_for(self, campaign_id: str, name: str) -> tuple[str, ...]:
        """The JSON pointers ignored when comparing this schedule."""
        return ignore_pointers(self.ignore, campaign_id, name)


def plan_one(
    desired: DesiredSchedule, live: LiveSchedule | None, rules: Sequence[IgnoreRule] = ()
) -> Action:
    """The action that takes `live` (None: absent) to `desired`, ignoring what `rules` say;
    `make_plan` uses it for every schedule."""
    ignore = ignore_pointers(rules, desired.campaign_id, desired.name)
    wanted = canonical(desired.body, ignore=ignore)
    if live is None:
        changes = field_changes({}, wanted)
        full = canonical(desired.body)
        return _decided("create", desired, wanted, None, changes=changes, body=full)
    if live.body is desired.body:  # a re-derived noop's base: the desired body itself
        current, changes = wanted, ()
    else:
        current = canonical(live.body, ignore=ignore)
        changes = field_changes(current, wanted)
    seen = current if not ignore else canonical(live.body)
    if not changes:
        base = None if seen == wanted else seen  # the desired body and its hash name it
        return _decided("noop", desired, wanted, live, changes=(), body=None, base=base)
    patch = merge_patch(current, wanted)
    return _decided("update", desired, wanted, live, changes=changes, body=patch, base=seen)


def _decided(
    kind: ActionKind,
    desired: DesiredSchedule,
    wanted: Mapping[str, Any],
    live: LiveSchedule | None,
    *,
    changes: tuple[FieldChange, ...],
    body: Mapping[str, Any] | None,
    base: Mapping[str, Any] | None = None,
) -> Action:
    return Action(
        kind=kind,
        campaign_id=desired.campaign_id,
        name=desired.name,
        schedule_id=None if live is None else live.schedule_id,
        base_version=None if live is None else live.version,
        changes=changes,
        body=body,
        desired=None if kind == "noop" else wanted,
        desired_hash=payload_hash(wanted),
        source=source_path(desired.path),
        base=base,
    )


def _delete(live: LiveSchedule) -> Action:
    return Action(
        kind="delete",
        campaign_id=live.campaign_id,
        name=live.name,
        schedule_id=live.schedule_id,
        base_version=live.version,
        changes=(),
        body=None,
        desired=None,
        desired_hash=None,
        source=None,
        base=canonical(live.body),
    )


def make_plan(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveSchedule]],
    config: RepoConfig,
    *,
    limits: TenantLimits,
    prune: bool,
    paths: Sequence[str],
    tenant: str = "",
) -> Plan:
    """Decide every action for the managed campaigns; pure (no I/O).

    `tenant` names the tenant `live` was read from (recorded in the plan, never a secret).
    """
    campaigns = sorted({schedule.campaign_id for schedule in desired.schedules})
    pairs = ((campaign_id, live.get(campaign_id, ())) for campaign_id in campaigns)
    return make_plan_from(
        desired, pairs, config, limits=limits, prune=prune, paths=paths, tenant=tenant
    )


def make_plan_from(
    desired: DesiredState,
    live: Iterable[tuple[str, Sequence[LiveSchedule]]],
    config: RepoConfig,
    *,
    limits: TenantLimits,
    prune: bool,
    paths: Sequence[str],
    tenant: str = "",
) -> Plan:
    """`make_plan`, with the live schedules given campaign by campaign, in any order, as they
    arrive (`reconciler.plan.prefetch.TenantReader.stream`): each campaign is decided when its
    schedules are there, and its live side is not kept. `live` must give every campaign of
    `desired` (ValueError otherwise: a campaign not read is not a campaign without schedules);
    other campaigns are skipped."""
    by_campaign: dict[str, list[DesiredSchedule]] = {}
    for schedule in desired.schedules:
        by_campaign.setdefault(schedule.campaign_id, []).append(schedule)
    actions: list[Action] = []
    unmanaged: list[Unmanaged] = []
    left = set(by_campaign)
    for campaign_id, found in live:
        if campaign_id in left:
            left.discard(campaign_id)
            decided, alone = _plan_campaign(
                campaign_id, by_campaign[campaign_id], found, config, prune=prune
            )
            actions.extend(decided)
            unmanaged.extend(alone)
    if left:
        raise ValueError(f"the live schedules of {', '.join(sorted(left))} were not given")
    return Plan(
        format_version=PLAN_FORMAT_VERSION,
        tool_version=__version__,
        desired_digest=desired.digest,
        files=tuple(sorted(source_path(path) for path in desired.files)),
        paths=tuple(paths),
        campaigns=tuple(sorted(by_campaign)),
        prune=prune,
        limits=limits,
        ignore=tuple(config.ignore_differences),
        actions=tuple(sorted(actions, key=_action_key)),
        unmanaged=tuple(sorted(unmanaged, key=lambda u: (u.campaign_id, u.name, u.schedule_id))),
        law_exceptions=_exceptions(config, actions),
        tenant=tenant,
    )


def _exceptions(config: RepoConfig, actions: Sequence[Action]) -> tuple[LawException, ...]:
    """The calling-law exceptions that match a planned (not deleted) schedule."""
    return tuple(
        item
        for item in config.law_policy.exceptions
        if any(a.kind != "delete" and item.matches(a.campaign_id, a.name) for a in actions)
    )


def _plan_campaign(
    campaign_id: str,
    schedules: Sequence[DesiredSchedule],
    live: Sequence[LiveSchedule],
    config: RepoConfig,
    *,
    prune: bool,
) -> tuple[list[Action], list[Unmanaged]]:
    """One campaign's actions and the unmanaged schedules it leaves alone."""
    match = match_campaign(schedules, live)
    rules = config.ignore_differences
    actions = [plan_one(item, found, rules) for item, found in match.pairs]
    unmanaged: list[Unmanaged] = []
    pruning = prune and campaign_id in config.prune_campaigns
    for other in match.rest:
        if pruning:
            actions.append(_delete(other))
        else:
            unmanaged.append(Unmanaged(campaign_id, other.schedule_id, other.name))
    return actions, unmanaged


def _action_key(action: Action) -> tuple[str, str, int, str]:
    return (
        action.campaign_id,
        action.name,
        ACTION_KINDS.index(action.kind),
        action.schedule_id or "",
    )


def read_live(
    api: ScheduleAPI,
    campaign_ids: Iterable[str],
    on_campaign: Callable[[int, int, str], None] | None = None,
) -> dict[str, list[LiveSchedule]]:
    """Every live schedule of each campaign: one list call per page, no read per schedule.

    `on_campaign(number, total, campaign_id)` is called before each campaign is read.
    """
    ordered = sorted(set(campaign_ids))
    live: dict[str, list[LiveSchedule]] = {}
    for number, campaign_id in enumerate(ordered, 1):
        if on_campaign is not None:
            on_campaign(number, len(ordered), campaign_id)
        live[campaign_id] = list(api.list_schedules(campaign_id))
    return live
