"""``cockpit share``: the DynamoDB table incidents are shared through (docs/sharing-design.md).

``share init`` makes the table, or checks the one there, and prints the config line that
joins it, alone on stdout, so ``cockpit share init >> ~/.config/cockpit/config.toml``
works; what it did goes to stderr. ``share policy`` prints the IAM policy responders need
(``--admin``: the one ``share init`` needs). Both name the table as ``--share`` or config
``share`` do, else ``cockpit-share`` in the AWS default region; ``--table`` and ``--region``
choose another. Every failure is one line on stderr and exit code 2. Nothing here imports
Textual or boto3.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import click

from cockpit.cli.common import echo, fail, settings

if TYPE_CHECKING:
    from cockpit.share.uri import ShareUri

DEFAULT_TABLE = "cockpit-share"

_table_option = click.option("--table", metavar="NAME",
                             help=f"Table name (default: the share's, else {DEFAULT_TABLE}).")
_region_option = click.option("--region", metavar="REGION",
                              help="The table's region (default: the share's, else the AWS default region).")


@click.group()
def share() -> None:
    """The table incidents are shared through across hosts: make it, and the IAM policy for it."""


def _target(ctx: click.Context, table: str | None, region: str | None) -> ShareUri:
    """The share to act on: --table/--region over the configured share, over the defaults."""
    from cockpit.share.uri import ShareUri, ShareUriError, check_region, check_table

    configured = settings(ctx).share_uri
    profile = configured.profile if configured else None
    for option, value, check in (("--table", table, check_table), ("--region", region, check_region)):
        try:
            if value is not None:
                check(value)
        except ShareUriError as exc:
            fail(f"{option}: {exc}")
    region = region or (configured.region if configured else None) or _default_region(profile)
    try:
        return ShareUri(table or (configured.table if configured else DEFAULT_TABLE), region, profile)
    except ShareUriError as exc:  # only the AWS default region is unchecked by now
        fail(f"the AWS default region: {exc}")


def _default_region(profile: str | None) -> str:
    """The AWS default region: botocore's (AWS_DEFAULT_REGION, the profile's), else AWS_REGION
    (which the other SDKs and aws-cli v2 read, and botocore does not)."""
    import botocore.exceptions as bex

    from cockpit.sources.aws_threads import new_session

    try:
        region = new_session(profile).get_config_variable("region") or os.environ.get("AWS_REGION")
    except bex.BotoCoreError as exc:
        fail(f"cannot read the AWS default region: {exc}")
    if not region:
        fail("no region: give --region REGION, or --share dynamodb://TABLE?region=REGION, or set AWS_REGION")
    return str(region)


@share.command()
@_table_option
@_region_option
@click.pass_context
def init(ctx: click.Context, table: str | None, region: str | None) -> None:
    """Make the share table (or check the one there) and print the config line that joins it.

    On demand, deletion protection, point-in-time recovery for 35 days, tagged
    cockpit:share=1. Run again on the same table: changes nothing it need not, same line.
    """
    from cockpit.share.admin import ShareAdminError, init_table

    uri = _target(ctx, table, region)
    try:
        result = init_table(uri, settings(ctx).config.actor)
    except ShareAdminError as exc:
        fail(str(exc))
    echo(f"cockpit: {result.summary()}", err=True)
    click.echo(f'share = "{uri}"')


@share.command()
@click.option("--admin", is_flag=True, help="The policy `cockpit share init` needs, instead of responders'.")
@click.option("--account", metavar="ID", help="The table's AWS account (default: your credentials', from STS).")
@_table_option
@_region_option
@click.pass_context
def policy(ctx: click.Context, admin: bool, account: str | None, table: str | None, region: str | None) -> None:
    """Print the IAM policy (JSON) that reaches the share table and nothing else."""
    from cockpit.share.admin import ShareAdminError, caller_account
    from cockpit.share.admin import policy as iam_policy

    uri = _target(ctx, table, region)
    try:
        document = iam_policy(uri, account or caller_account(uri), admin=admin)
    except ShareAdminError as exc:
        fail(str(exc))
    click.echo(json.dumps(document, indent=2))


def _configured(ctx: click.Context) -> ShareUri:
    uri = settings(ctx).share_uri
    if uri is None:
        fail("no share configured: `cockpit share init` prints the line for config.toml (or give --share URI)")
    return uri


@share.command("sync")
@click.option("--watch", is_flag=True, help="Go on: a round every second, until interrupted.")
@click.pass_context
def sync_cmd(ctx: click.Context, watch: bool) -> None:
    """Exchange this timeline's shared incidents with the share: pull what other hosts wrote,
    push what this host wrote. One round, or --watch to keep this file in step (beside a
    cockpit on the same file, whose panes then show the other hosts' events)."""
    from cockpit.share import sync
    from cockpit.share.log import TableLog
    from cockpit.timeline import Timeline, TimelineError

    uri, config = _configured(ctx), settings(ctx).config
    if watch:
        last = [""]

        def report(outcome: sync.Outcome) -> None:
            line = outcome.line()
            if line != last[0] or outcome.round and (outcome.round.sent or any(
                    a.added for a in outcome.round.pulled.values())):
                echo(line, err=outcome.error is not None)
                last[0] = line

        try:
            sync.watch(config.db, config.actor, uri, report)
        except KeyboardInterrupt:
            return
        except TimelineError as exc:
            fail(str(exc))
        return
    try:
        with Timeline(config.db, config.actor) as tl:
            outcome = sync.sync_once(tl, TableLog(uri, tl.node()))
    except TimelineError as exc:
        fail(str(exc))
    if outcome.error is not None:
        fail(outcome.line(), 3)
    echo(outcome.line())


@share.command("status")
@click.option("--json", "as_json", is_flag=True, help="The status as JSON.")
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Whether the share answers, who is on it (live responders and the incident each
    shows), what this host still has to send, and how far its clock is from AWS's. A look:
    nothing is written. Exit code 3 when the share cannot be reached."""
    from cockpit.share.log import TableLog
    from cockpit.share.status import status
    from cockpit.timeline import Timeline, TimelineError

    uri, config = _configured(ctx), settings(ctx).config
    try:
        with Timeline(config.db, config.actor) as tl:
            seen = status(tl, TableLog(uri, tl.node()), str(uri))
    except TimelineError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(seen.as_dict(), indent=2))
    else:
        for line in seen.lines():
            echo(line)
    if not seen.reachable:
        ctx.exit(3)
