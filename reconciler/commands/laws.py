"""`cxsched laws` lists the calling-hour rules; `cxsched laws show CODE` shows one in full.

Research notes shipped in the package, not legal advice. Exit 0, or 1 for an unknown code.
"""

from __future__ import annotations

import json

import click

from reconciler.errors import InputError
from reconciler.laws.catalog import catalog
from reconciler.laws.render import (
    catalog_json,
    catalog_text,
    jurisdiction_json,
    jurisdiction_text,
)
from reconciler.laws.zones import jurisdiction_zones

__all__ = ["command"]

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)


@click.group("laws", invoke_without_command=True)
@_FORMAT
@click.pass_context
def command(ctx: click.Context, fmt: str) -> None:
    """List the calling-hour rules: jurisdiction, hours, bans, citation, confidence."""
    if ctx.invoked_subcommand is not None:
        return
    cat = catalog()
    if fmt == "json":
        click.echo(json.dumps(catalog_json(cat), indent=2))
    else:
        click.echo(catalog_text(cat), nl=False)


@command.command("show")
@click.argument("code")
@_FORMAT
def show(code: str, fmt: str) -> None:
    """Show one jurisdiction (US-TX, FR) or rule (US-TCPA) in full."""
    cat = catalog()
    if cat.rule(code) is None and not jurisdiction_zones(cat, code):
        raise InputError(
            f"unknown jurisdiction or rule {code[:20]!r}; `cxsched laws` lists the rules "
            "(codes are ISO 3166, like US-TX or FR)"
        )
    if fmt == "json":
        click.echo(json.dumps(jurisdiction_json(cat, code), indent=2))
    else:
        click.echo(jurisdiction_text(cat, code), nl=False)
