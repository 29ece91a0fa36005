"""``cockpit incident``: the incident lifecycle, headless, for scripts and pager hooks.

Output contract: ``declare`` prints the new id alone on stdout (``ID=$(cockpit incident
declare …)``); ``--json`` output is stable (docs/timeline.md); every failure is one line on
stderr and exit code 2. Nothing here imports Textual.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import click

from cockpit.cli.common import echo, fail, settings, write_private
from cockpit.timeline import Timeline, TimelineError
from cockpit.timeline.model import NOTE_KINDS, Incident, UnknownIncident


@contextmanager
def _timeline(ctx: click.Context, reading: bool = False) -> Iterator[Timeline]:
    """The timeline; ``reading`` (list, show, export) opens an existing file read-only, so
    a timeline on read-only media or under evidence hold can still be read and exported.
    Only a file at an older schema is opened for writing, once, to be migrated."""
    config = settings(ctx).config
    try:
        with _open(config, reading) as tl:
            yield tl
            if not reading:
                _drain(ctx, tl)
    except UnknownIncident as exc:
        fail(f"{exc}{_rehearsal_hint(config)}")
    except TimelineError as exc:
        fail(str(exc))
    except sqlite3.DatabaseError as exc:
        fail(f"timeline database {config.db}: {exc}")


def _drain(ctx: click.Context, tl: Timeline) -> None:
    """What this command wrote on a shared incident leaves now (up to 3 s), not with the next
    round of a cockpit on this file; if the share is away, one line says what waits."""
    uri = settings(ctx).share_uri
    if uri is None:
        return
    from cockpit.timeline import outbox

    if not outbox.queued(tl.conn):
        return
    from cockpit.share.sync import drain

    outcome = drain(tl, uri)
    if outcome.error is not None or (outcome.round and outcome.round.queued):
        echo(f"{outcome.line()} (they leave with the next `cockpit share sync` or cockpit on this file)", err=True)


def _rehearsal_hint(config: Any) -> str:
    """Where else an incident may be: demos and exercises keep their own timelines."""
    others = [Path(p).expanduser() for p in (config.demo_db, config.exercise_db)
              if Path(p).expanduser().exists() and Path(p).expanduser() != Path(config.db).expanduser()]
    if not others:
        return ""
    return f" in {config.db} (demos and exercises keep their own: --db {' or --db '.join(map(str, others))})"


def _open(config: Any, reading: bool) -> Timeline:
    from cockpit.timeline.schema import SchemaBehind

    secrets = [config.webhook_url or ""]
    if reading and Path(config.db).expanduser().exists():
        try:
            return Timeline(config.db, config.actor, secrets=secrets, read_only=True)
        except SchemaBehind:
            pass  # an older file: the writable open below migrates it (and says why if it cannot)
    return Timeline(config.db, config.actor, secrets=secrets)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        echo(text, nl=not text.endswith("\n"))
        return
    try:
        write_private(output, text)  # 0600: an export holds what the timeline holds
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


@click.group()
def incident() -> None:
    """Declare, annotate, resolve and export incidents (the timeline, headless)."""


@incident.command()
@click.option("--title", required=True, help="What is wrong, in a few words.")
@click.option("--severity", "level", required=True, metavar="P0..P4", help="Severity (runbook definitions).")
@click.option("--mode", default="incident", show_default=True, metavar="incident|drill|tabletop")
@click.option("--commander", metavar="NAME", help="Incident commander.")
@click.option("--detected-at", metavar="ISO", help="When it was detected, if before now (e.g. 2026-11-23T09:58Z).")
@click.option("--uid", metavar="KEY", help="Idempotency key (e.g. the pager alert id): a retry returns the same id.")
@click.pass_context
def declare(ctx: click.Context, title: str, level: str, mode: str, commander: str | None,
            detected_at: str | None, uid: str | None) -> None:
    """Declare an incident; prints its id alone on stdout. With a share configured, an
    incident (not a drill or tabletop) is shared at once under a number the share reserves,
    so the other hosts see it; with the share away, one line says it is not shared yet."""
    uri = settings(ctx).share_uri
    with _timeline(ctx) as tl:
        if uri is None or mode.strip().lower() != "incident":
            click.echo(tl.declare(title, level, mode=mode, commander=commander, detected_at=detected_at, uid=uid).id)
            return
        from cockpit.share.declare import declare_shared
        from cockpit.share.log import TableLog

        done = declare_shared(tl, TableLog(uri, tl.node()), title, level, mode=mode, commander=commander,
                              detected_at=detected_at, uid=uid)
        click.echo(done.incident.id)
        if done.warning:
            echo(done.warning, err=True)


@incident.command("share")
@click.argument("incident_id", metavar="ID")
@click.pass_context
def share_cmd(ctx: click.Context, incident_id: str) -> None:
    """Share an incident with the other hosts of the share (config share, or --share): its
    whole timeline, then every event as it is written. Sends what it can now; the rest
    leaves with the next `cockpit share sync` on this file."""
    from cockpit.share import sync
    from cockpit.share.log import TableLog

    uri = settings(ctx).share_uri
    if uri is None:
        fail("no share configured: `cockpit share init` prints the line for config.toml (or give --share URI)")
    with _timeline(ctx) as tl:
        try:
            outcome = sync.share_incident(tl, TableLog(uri, tl.node()), incident_id)
        except sync.ShareRefused as exc:
            fail(str(exc), 3 if exc.offline else 2)
        incident = tl.incident(incident_id)
    echo(f"{incident.id}: {outcome.line()}", err=outcome.error is not None)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.argument("text")
@click.option("--kind", metavar="KIND", help=f"File it under a postmortem section: {', '.join(NOTE_KINDS)}.")
@click.pass_context
def note(ctx: click.Context, incident_id: str, text: str, kind: str | None) -> None:
    """Add a note to the timeline (--kind root-cause, impact, key, … for the postmortem)."""
    with _timeline(ctx) as tl:
        tl.note(incident_id, text, kind=kind)


@incident.command("severity")
@click.argument("incident_id", metavar="ID")
@click.argument("level", metavar="P0..P4")
@click.option("--reason", help="Why the severity changed.")
@click.pass_context
def severity_cmd(ctx: click.Context, incident_id: str, level: str, reason: str | None) -> None:
    """Change the severity."""
    with _timeline(ctx) as tl:
        tl.set_severity(incident_id, level, reason)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.argument("text")
@click.pass_context
def status(ctx: click.Context, incident_id: str, text: str) -> None:
    """Post a status update (restarts the next-update-due clock)."""
    with _timeline(ctx) as tl:
        tl.status_update(incident_id, text)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.argument("role", metavar="commander|scribe|communications")
@click.argument("name")
@click.pass_context
def role(ctx: click.Context, incident_id: str, role: str, name: str) -> None:
    """Assign a role. On a shared incident the share decides first (one conditional write):
    if another responder took the role since this host last heard, nothing changes and the
    command says who holds it (exit 2); with the share away, nothing changes (exit 3)."""
    with _timeline(ctx) as tl:
        if tl.is_shared(incident_id):
            _take_shared_role(ctx, tl, incident_id, role, name)
        tl.assign_role(incident_id, role, name)


def _take_shared_role(ctx: click.Context, tl: Timeline, incident_id: str, role: str, name: str) -> None:
    from cockpit.share.roles import RoleTaken, RoleUndecided, take_role
    from cockpit.timeline.model import Role

    try:
        role = Role(role.strip().lower()).value
    except ValueError:
        return  # assign_role says what is wrong with it
    uri = settings(ctx).share_uri
    if uri is None:
        fail(f"{incident_id} is shared: its roles are decided by the share, and this cockpit has none configured "
             "(config share, or --share)", 3)
    incident = tl.incident(incident_id)
    try:
        take_role(uri, incident.id, role, name.strip(), getattr(incident, role), node=tl.node())
    except RoleTaken as exc:
        from cockpit.share.sync import drain

        drain(tl, uri, seconds=2)  # this host now shows the holder: the same command again takes it from them
        fail(f"{exc}; this host has caught up: run the command again to take it from them")
    except RoleUndecided as exc:
        fail(str(exc), 3)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.pass_context
def ack(ctx: click.Context, incident_id: str) -> None:
    """Record that a responder acknowledged the incident."""
    with _timeline(ctx) as tl:
        tl.acknowledge(incident_id)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.argument("text", default="Mitigated")
@click.pass_context
def mitigate(ctx: click.Context, incident_id: str, text: str) -> None:
    """Record that the impact is mitigated (service restored, cause not yet fixed)."""
    with _timeline(ctx) as tl:
        tl.mitigate(incident_id, text)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.option("--to", "to", required=True, metavar="WHO", help="Who was paged (seed 002: Engineering Lead, CTO...).")
@click.argument("text", required=False)
@click.pass_context
def escalate(ctx: click.Context, incident_id: str, to: str, text: str | None) -> None:
    """Record an escalation done: who was paged. Ends the cockpit's reminder for that contact."""
    with _timeline(ctx) as tl:
        tl.escalate(incident_id, to, text)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.argument("text")
@click.option("--owner", required=True, help="Who owns the action item.")
@click.option("--due", metavar="DATE", help="When it is due.")
@click.pass_context
def action(ctx: click.Context, incident_id: str, text: str, owner: str, due: str | None) -> None:
    """Add a postmortem action item."""
    with _timeline(ctx) as tl:
        tl.action_item(incident_id, text, owner, due=due)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.option("--message", default="Resolved", show_default=True)
@click.pass_context
def resolve(ctx: click.Context, incident_id: str, message: str) -> None:
    """Resolve the incident (warns, on stderr, when alarms it logged are still firing)."""
    from cockpit.timeline.alarm_log import firing_warning, still_firing

    with _timeline(ctx) as tl:
        warning = firing_warning(still_firing(tl.events(incident_id, kinds=["alarm_fired", "alarm_cleared"])))
        tl.resolve(incident_id, message)
    if warning:
        echo(f"cockpit: warning: {incident_id}: {warning} (as last logged to its timeline)", err=True)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.option("--reason", default="Reopened", show_default=True)
@click.pass_context
def reopen(ctx: click.Context, incident_id: str, reason: str) -> None:
    """Reopen a resolved incident."""
    with _timeline(ctx) as tl:
        tl.reopen(incident_id, reason)


def _line(i: Incident) -> str:
    return f"{i.id}  {i.severity}  {i.mode:<8}  {i.status:<8}  {i.declared_at[:16].replace('T', ' ')}  {i.title}"


@incident.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--open", "only_open", is_flag=True, help="Only incidents not resolved.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool, only_open: bool) -> None:
    """List incidents, newest first.

    Demos and exercises keep their own timelines: a list of the real one says so on stderr
    (where they are, and how to list them), so a drill's incidents are not taken as gone."""
    config = settings(ctx).config
    with _timeline(ctx, reading=True) as tl:
        incidents = tl.incidents(status="open" if only_open else None)
    if as_json:
        click.echo(json.dumps([i.to_json() for i in incidents], indent=2))
        return
    for i in incidents:
        echo(_line(i))
    if not incidents:
        echo(f"No {'open ' if only_open else ''}incidents in {config.db}.")
    hint = _rehearsal_hint(config)
    if hint:
        echo(f"Listed{hint}.", err=True)


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="The full export document.")
@click.pass_context
def show(ctx: click.Context, incident_id: str, as_json: bool) -> None:
    """Show an incident and its timeline."""
    from cockpit.exports.transfer import export_json

    with _timeline(ctx, reading=True) as tl:
        if as_json:
            click.echo(export_json(tl, incident_id), nl=False)
            return
        i = tl.incident(incident_id)
        echo(_line(i))
        for label, value in (("commander", i.commander), ("scribe", i.scribe), ("communications", i.communications),
                             ("detected", i.detected_at), ("next update due", i.next_update_due)):
            if value:
                echo(f"  {label}: {value}")
        # In the order things happened: alarms logged at the declaration fired before it.
        for e in sorted(tl.events(i.id), key=lambda e: (e.ts, e.place)):
            echo(f"{e.ts}  {e.actor}  {e.kind}  {e.message}")


FORMATS = ("md", "json", "comms-initial", "comms-resolution")
#: Names a responder types for a format, beside its own (``--format markdown`` was refused).
FORMAT_ALIASES = {"markdown": "md"}


@incident.command()
@click.argument("incident_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice((*FORMATS, *FORMAT_ALIASES)), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE, not stdout.")
@click.option("--var", "variables", multiple=True, metavar="KEY=VALUE", help="Fill a comms template field.")
@click.pass_context
def export(ctx: click.Context, incident_id: str, fmt: str, output: Path | None, variables: tuple[str, ...]) -> None:
    """Export as a Markdown postmortem, JSON, or a seed 003 notification."""
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    values = {}
    for item in variables:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--var {item!r}: expected KEY=VALUE")
        values[key] = value
    with _timeline(ctx, reading=True) as tl:
        if fmt in ("md", "json"):  # written as it is read: an incident of any size in bounded memory
            from cockpit.exports.files import open_private
            from cockpit.exports.postmortem import write_markdown
            from cockpit.exports.transfer import write_json

            # The Markdown without what a terminal would act on (a file is read on a terminal
            # too); the JSON lossless (it escapes control characters itself).
            write = partial(write_markdown, sanitized=True) if fmt == "md" else write_json
            tl.incident(incident_id)  # an unknown id is said before any file is made
            if output is None:
                with click.open_file("-", "w") as out:  # stdout, left open (get_text_stream is deprecated)
                    write(tl, incident_id, out)
                return
            try:
                with open_private(output) as f:  # 0600: an export holds what the timeline holds
                    write(tl, incident_id, f)
            except OSError as exc:
                fail(f"cannot write {output}: {exc.strerror or exc}")
            return
        else:
            from cockpit.timeline.comms import render_comms

            text = render_comms(tl, incident_id, fmt.removeprefix("comms-"), values)
    _write(text, output)


@incident.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--renumber", is_flag=True, help="If its id is taken here by another incident, give it a new one.")
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, renumber: bool) -> None:
    """Import a JSON export (merging: importing twice adds nothing); prints the id."""
    from cockpit.exports.transfer import import_file

    with _timeline(ctx) as tl:
        imported, added = import_file(tl, file, renumber)
    click.echo(imported.id)
    click.echo(f"{added} new event(s)", err=True)
