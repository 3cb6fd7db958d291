"""`cxsched import --campaign ID [--out DIR]`: adopt a campaign's live schedules as files;
`cxsched import --update [--campaign ID]`: adopt live changes into the declared files.

Every live schedule of the campaign becomes a YAML file in the repository's format with its
pinned `scheduleId` (default folder `schedules/<ID>/`). A schedule that a file of that folder
(or of `schedules/<ID>/`) already declares, by pinned id or by name, is skipped, never
duplicated; with `--force` that file is rewritten in place. Other existing files are never
overwritten unless `--force`; when one would be, nothing is written. The summary lists what
was written, updated and skipped. The files validate, and a plan made right after shows no
changes.

With `--update` the declared files of `schedules/` (of campaign ID only, if given) whose
schedule differs on the tenant are rewritten with the live values of exactly the fields that
differ, keeping comments and layout (`reconciler.adopt.refresh`), so a deliberate change made in
the admin UI can be adopted by pull request. The rewritten files must validate, else nothing
is written; a plan made right after shows no changes for them.

Exit codes: 0 imported or updated (or nothing to do), 1 refused overwrite, bad campaign id,
invalid files or an API failure.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from reconciler.adopt.importer import (
    check_campaign_id,
    declared_schedules,
    prepare_import,
    schema_reference,
    write_import,
)
from reconciler.adopt.refresh import refresh_plan, write_refreshed
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import DEFAULT_PATHS, load_valid_desired
from reconciler.config import RepoConfig, load_repo_config
from reconciler.errors import InputError
from reconciler.plan.build import read_live
from reconciler.plan.identity import source_path
from reconciler.plan.render import render_call_counts
from reconciler.util.hashing import canonical_json
from reconciler.validate.desired import load_desired

__all__ = ["command"]


def _shown(path: Path) -> str:
    """A path relative to the working directory when it lies under it (POSIX)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@click.command("import")
@click.option(
    "--campaign",
    "campaign_id",
    metavar="ID",
    help="The campaign to import (with --update: only this campaign).",
)
@click.option(
    "--skill",
    "skill_id",
    metavar="ID",
    help="Admin profile: the Personal Connection skill to import, as skills/<ID>.yaml.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder for the files [default: schedules/<ID>/]; with --skill, the file "
    "[default: skills/<ID>.yaml].",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files that already exist, and rewrite in place the files of schedules "
    "already declared (else skipped).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Rewrite the declared files of schedules/ from live values (keeping comments), to "
    "adopt changes made on the tenant (with --campaign: only that campaign).",
)
@config_option
@api_options
def command(
    *,
    campaign_id: str | None,
    skill_id: str | None,
    out_dir: Path | None,
    force: bool,
    update: bool,
    config: Path | None,
    **api: Any,
) -> None:
    """Write the live schedules of campaign ID as desired files with pinned ids.

    With `--skill ID` (admin profile), write the skill's live dialing settings as one file.
    """
    repo = load_repo_config(config)
    if update:
        if out_dir is not None or force or skill_id is not None:
            raise InputError("--update rewrites the declared files in place: drop --out/--force")
        _update(repo, campaign_id, api)
        return
    if (campaign_id is None) == (skill_id is None):
        raise click.UsageError("give exactly one of --campaign ID and --skill ID")
    if skill_id is not None:
        from reconciler.commands._skills import import_skill

        written = import_skill(skill_id, repo, out_dir, force, api)
        click.echo(f"wrote {written.as_posix()}  (skill {int(skill_id)})")
        return
    assert campaign_id is not None
    if out_dir is not None and (out_dir.suffix in (".yaml", ".yml") or out_dir.is_file()):
        raise click.UsageError("--out names a folder for --campaign")
    check_campaign_id(campaign_id)
    folder = out_dir if out_dir is not None else Path("schedules") / campaign_id
    root = repo.source.parent if repo.source is not None else Path.cwd()
    with build_client(**api, profile_rps=repo.tenant.requests_per_second) as client:
        live = list(client.list_schedules(campaign_id))
        calls = client.call_counts()
    declared = declared_schedules([folder, root / "schedules" / campaign_id])
    files, skipped = prepare_import(
        live, folder, schema_reference(folder, root), declared, force=force, repo_root=root
    )
    write_import(files, force=force)
    for item in files:
        verb = "updated" if item.in_place else "wrote"
        click.echo(f"{verb} {_shown(item.path)}  ({item.name}, id {item.schedule_id})")
    for skip in skipped:
        click.echo(
            f"skipped {skip.name} (id {skip.schedule_id}): already declared by "
            f"{_shown(skip.by)} ({skip.how})"
        )
    new = sum(1 for item in files if not item.in_place)
    click.echo(f"Imported {new} schedule(s) of campaign {campaign_id} into {folder.as_posix()}/.")
    if skipped:
        click.echo(
            f"Skipped {len(skipped)} schedule(s) already declared in the repository "
            "(--force rewrites their files in place)."
        )
    if len(files) > new:
        click.echo(f"Updated {len(files) - new} file(s) of schedules already declared, in place.")
    if folder.name != campaign_id:
        click.echo(
            f"note: validate expects the files of campaign {campaign_id} in a folder named "
            f"{campaign_id}; move them to schedules/{campaign_id}/",
            err=True,
        )
    click.echo(render_call_counts(calls), err=True)


def _update(repo: RepoConfig, campaign_id: str | None, api: dict[str, Any]) -> None:
    desired = load_valid_desired(DEFAULT_PATHS, repo)
    if campaign_id is not None:
        check_campaign_id(campaign_id)
        kept = tuple(s for s in desired.schedules if s.campaign_id == campaign_id)
        if not kept:
            raise InputError(f"no declared schedule of campaign {campaign_id} under schedules/")
        desired = replace(desired, schedules=kept)
    with build_client(**api, profile_rps=repo.tenant.requests_per_second) as client:
        live = read_live(client, {s.campaign_id for s in desired.schedules})
        calls = client.call_counts()
    refresh = refresh_plan(desired, live, repo)
    write_refreshed(refresh.files, lambda: _still_valid(repo))
    for item in refresh.files:
        click.echo(f"updated {source_path(item.path)}  ({item.campaign_id}/{item.name})")
        for pointer, was, now in item.changes:
            click.echo(f"  {pointer}: {_value(was)} -> {_value(now)}")
    for name in refresh.not_live:
        click.echo(f"not on the tenant, left as is: {name}")
    click.echo(
        f"Updated {len(refresh.files)} file(s) from live values."
        if refresh.files
        else "No declared file differs from the tenant: nothing to update."
    )
    click.echo(render_call_counts(calls), err=True)


def _still_valid(repo: RepoConfig) -> None:
    if load_desired(DEFAULT_PATHS, repo).has_errors():
        raise InputError(
            "the files rewritten from live values would not validate (run `cxsched validate` "
            "on a copy to see why); nothing was written"
        )


def _value(value: Any) -> str:
    return "(absent)" if value is None else canonical_json(value)
