"""What every command shares: global settings, and failing with one clear line."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from cockpit.config import Config, load_config
from cockpit.content.errors import ContentError
from cockpit.textsafe import sanitize

if TYPE_CHECKING:
    from cockpit.share.uri import ShareUri


def echo(text: object = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for human-readable output: what the terminal would act on is removed.

    Every command prints titles, notes, parameters and program output through here (JSON goes
    out with ``click.echo``: it escapes control characters itself and must stay lossless).
    """
    click.echo(sanitize(str(text)), err=err, nl=nl)


#: BSD sysexits' EX_USAGE: the command was used wrongly. ``cockpit status`` exits with it
#: because its 0-3 are the monitoring-plugin levels (a usage error must not read "critical").
EX_USAGE = 64


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``cockpit: error: <message>`` on stderr and exit; never a traceback."""
    echo(f"cockpit: error: {sanitize(message, newlines=False)}", err=True)
    sys.exit(code)


#: What the emulated estate runs on: the ``demo`` extra, absent from a production install.
ESTATE_MODULES = ("moto", "kmock", "boto3")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or blocked package is as good as absent
        return False


def require_estate(command: str) -> None:
    """Fail with the one install line when ``command`` needs the estate and the extra is missing.

    Checked before anything starts (found, not imported: importing moto alone costs seconds),
    so the user gets what to install rather than an estate that dies with a traceback.
    """
    missing = [m for m in ESTATE_MODULES if not _installed(m)]
    if missing:
        fail(f"{command} needs the emulated estate ({', '.join(missing)} not installed): "
             "pip install 'cockpit-sre[demo]'", EX_USAGE)


def warn_missing_dirs(config: Config) -> None:
    """A content folder in the config that is not there: one warning line each, and carry on
    (a typo would otherwise hide a team's playbooks without a word)."""
    for field in ("screens_dirs", "playbooks_dirs", "scenarios_dirs"):
        for folder in getattr(config, field):
            if not folder.is_dir():
                what = "not a folder" if folder.exists() else "no such folder"
                click.echo(f"cockpit: warning: {field}: {folder}: {what}", err=True)


def write_private(path: Path, text: str) -> None:
    """Write an export 0600 (``exports/files.py``, shared with the cockpit's export key).
    Imported on use: most commands never write a file."""
    from cockpit.exports.files import write_private as write

    write(path, text)


@dataclass
class Settings:
    """Global options of ``cockpit`` merged with the config file, read once per command."""

    screen: str | None = None
    config_path: Path | None = None
    db: Path | None = None
    read_only: bool = False
    #: ``--share URI``: the shared incident table, over config ``share``.
    share: str | None = None
    #: Exit code of a bad config (a command whose exit codes mean something else sets it).
    error_code: int = 2
    _config: Config | None = field(default=None, repr=False)

    @cached_property
    def config(self) -> Config:
        from cockpit.share.uri import ShareUriError, parse as parse_share  # on use: `--help` stays lean

        try:
            config = load_config(self.config_path, check_share=parse_share)
        except ContentError as exc:
            fail(str(exc), self.error_code)
        warn_missing_dirs(config)
        if self.db is not None:
            config.db = self.db
        if self.screen is not None:
            config.screen = self.screen
        if self.share is not None:
            try:
                parse_share(self.share)
            except ShareUriError as exc:
                fail(str(ContentError.single("--share", None, str(exc))), self.error_code)
            config.share = self.share
        return config

    @cached_property
    def share_uri(self) -> ShareUri | None:
        """The share (``--share``, else config ``share``), checked; None: nothing is shared."""
        from cockpit.share.uri import parse as parse_share

        text = self.config.share
        return parse_share(text) if text is not None else None

    def rehearsal(self, kind: str, db: Path | None = None, read_only: bool = False) -> Settings:
        """``cockpit demo`` / ``cockpit exercise``: the rehearsal's own timeline (config
        ``demo_db`` / ``exercise_db``), never the real one, unless ``--db`` was given, which
        always wins (before the subcommand or after it); ``--read-only`` after it counts too."""
        self.db = db if db is not None else self.db
        self.read_only = self.read_only or read_only
        config = self.config
        config.db = self.db if self.db is not None else getattr(config, f"{kind}_db")
        return self


def settings(ctx: click.Context) -> Settings:
    """The global settings, also when a subcommand is invoked on its own in tests."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj
