"""``cockpit playbook list | show ID | validate PATH... | schema``.

``validate`` is what a team runs in CI on its own playbooks: every problem as
``file:line: message``, exit 1 when there is any. ``schema`` prints the JSON Schema that
``schema/playbook.schema.json`` holds, for editors (yaml-language-server) and CI linters.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from cockpit.cli.common import fail, settings


def _extra_dirs(ctx: click.Context, dirs: tuple[Path, ...]) -> list[Path]:
    return [*settings(ctx).config.playbooks_dirs, *dirs]


@click.group()
def playbook() -> None:
    """List, show and validate playbooks; print the playbook JSON Schema."""


@playbook.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--dir", "dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              help="Another folder of playbooks (after the configured ones).")
@click.pass_context
def list_playbooks(ctx: click.Context, as_json: bool, dirs: tuple[Path, ...]) -> None:
    """Every playbook: id, title, tags and step count. Exit 1 when a playbook file is malformed."""
    from cockpit.content.playbooks import load_catalog, summary

    catalog = load_catalog(_extra_dirs(ctx, dirs))
    rows = [summary(pb) for pb in sorted(catalog.playbooks.values(), key=lambda p: p.id)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        width = max((len(r["id"]) for r in rows), default=2)
        for row in rows:
            tags = f"  [{', '.join(row['tags'])}]" if row["tags"] else ""
            click.echo(f"{row['id']:<{width}}  {row['steps']:>3} steps  {row['title']}{tags}")
    for problem in catalog.problems:
        click.echo(f"cockpit: error: {problem}", err=True)
    if catalog.problems:
        raise SystemExit(1)


@playbook.command("show")
@click.argument("playbook_id")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Render with this parameter value.")
@click.option("--json", "as_json", is_flag=True, help="Print the validated playbook as JSON.")
@click.option("--dir", "dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              help="Another folder of playbooks (after the configured ones).")
@click.pass_context
def show(ctx: click.Context, playbook_id: str, params: tuple[str, ...], as_json: bool, dirs: tuple[Path, ...]) -> None:
    """The steps of PLAYBOOK_ID with kind, risk and the exact call each makes."""
    from cockpit.content.errors import ContentError
    from cockpit.content.playbooks import find_playbook

    try:
        pb = find_playbook(playbook_id, _extra_dirs(ctx, dirs))
    except ContentError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(pb.model_dump(mode="json", by_alias=True, exclude_none=True), indent=2))
        return
    from cockpit.content.describe import render_playbook
    from cockpit.content.params import ParameterError

    try:
        click.echo(render_playbook(pb, params, _screen_for(ctx, pb)))
    except ParameterError as exc:
        fail(str(exc))


def _screen_for(ctx: click.Context, pb: object) -> object | None:
    """The screen whose values fill `default_from`: --screen/config if the playbook applies to it."""
    from cockpit.content.screen import screen_for_playbook

    config = settings(ctx).config
    return screen_for_playbook(pb, config.screen, config.screens_dirs, config.playbooks_dirs)


@playbook.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not the files that are fine.")
def validate(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check playbook files (a folder means its *.yaml files); print file:line: message for each problem."""
    from cockpit.content.errors import ContentError
    from cockpit.content.playbooks import load_playbook, playbook_files

    files = playbook_files(list(paths))
    if not files:
        fail("no playbook files found in " + ", ".join(map(str, paths)))
    bad = 0
    for path in files:
        try:
            pb = load_playbook(path)
        except ContentError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        if not quiet:
            click.echo(f"{path}: ok ({pb.id}, {len(pb.steps)} steps)")
    if bad:
        click.echo(f"{bad} of {len(files)} file{'s' if len(files) > 1 else ''} invalid", err=True)
        raise SystemExit(1)


@playbook.command("schema")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file.")
def schema(output: Path | None) -> None:
    """Print the playbook JSON Schema (the one committed as schema/playbook.schema.json)."""
    from cockpit.content.playbook import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc}")
