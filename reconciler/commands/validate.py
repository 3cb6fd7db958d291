"""`cxsched validate [PATH...]`: check schedule files offline, before any API call.

Exit 0 when valid, 1 when a file (or cxsched.yaml) has an error, or any finding with
`--strict`. `--fix` first adds the blackouts that calling laws require to the files with
`legal-hours` errors (saying what it added and removed on stderr), then validates again.
Findings go to stdout in the chosen format; a one-line summary goes to stderr, after a note
when some schedules declare no audience.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.commands._analytics import parse_now
from reconciler.commands._config import config_option
from reconciler.commands._desired import DEFAULT_PATHS
from reconciler.config import CONFIG_FILENAME, ConfigError, RepoConfig, load_repo_config
from reconciler.model import Finding
from reconciler.validate.desired import load_desired
from reconciler.validate.report import OutputFormat, render_findings, summary_line

__all__ = ["command"]


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for pull-request annotations.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--fix",
    is_flag=True,
    help="Add the blackout periods that Saturday, Sunday and holiday calling laws require "
    "(never widens callable time), then validate again.",
)
@click.option(
    "--now",
    "now_text",
    metavar="ISO8601",
    help="Judge as of this moment (with a UTC offset) instead of the current time: which "
    "schedules are past, and the 366 days a skill's calling-law proof covers.",
)
@config_option
@click.pass_context
def command(
    ctx: click.Context,
    *,
    paths: tuple[Path, ...],
    fmt: OutputFormat,
    strict: bool,
    fix: bool,
    now_text: str | None,
    config: Path | None,
) -> None:
    """Check schedule files in PATHs (default schedules/) against the schema and the rules.

    With `profile: admin` in cxsched.yaml, check skill files (default skills/) instead.
    """
    repo, config_findings = _config(config)
    now = parse_now(now_text)
    if repo.is_admin:
        from reconciler.commands._skills import validate_skills

        ctx.exit(validate_skills(paths, repo, fmt, strict, now))
    desired = load_desired(paths or DEFAULT_PATHS, repo, now=now)
    if fix and _fix(desired.findings, repo):
        desired = load_desired(paths or DEFAULT_PATHS, repo, now=now)
    findings = sorted((*config_findings, *desired.findings), key=Finding.sort_key)
    checked_config = _config_name(config, repo) if repo.source or config_findings else None
    files = len(desired.files) + (1 if checked_config else 0)
    click.echo(render_findings(findings, fmt, files=files, strict=strict), nl=False)
    if desired.undeclared:
        click.echo(_undeclared_note(len(desired.undeclared)), err=True)
    click.echo(summary_line(findings, files=len(desired.files), config=checked_config), err=True)
    failed = any(strict or finding.severity == "error" for finding in findings)
    ctx.exit(1 if failed else 0)


def _undeclared_note(count: int) -> str:
    schedules = "1 schedule declares" if count == 1 else f"{count} schedules declare"
    return (
        f"note: {schedules} no audience, so calling hours were checked against the national "
        "baseline of their zones' countries only; declare `audience` (docs/laws.md)"
    )


def _fix(findings: tuple[Finding, ...], repo: RepoConfig) -> bool:
    """Fix the files with legal-hours errors; say what was done; whether a file changed."""
    from reconciler.adopt.lawfix import describe, fix_files

    targets = sorted({f.path for f in findings if f.rule == "legal-hours"})
    fixed = fix_files(targets, repo.audiences, repo.law_policy)
    for item in fixed:
        for line in describe(item):
            click.echo(line, err=True)
    return any(item.fix.blackouts for item in fixed)


def _config_name(path: Path | None, repo: RepoConfig) -> str:
    """The config file as the user knows it: its name, or the path given with --config."""
    if path is not None:
        return path.as_posix()
    return repo.source.name if repo.source is not None else CONFIG_FILENAME


def _config(path: Path | None) -> tuple[RepoConfig, tuple[Finding, ...]]:
    """The repository config, or the defaults and the findings that refused it."""
    try:
        return load_repo_config(path), ()
    except ConfigError as exc:
        return RepoConfig(), exc.findings
