"""What every command shares: global settings, and failing with one clear line."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NoReturn

import click

from cockpit.config import Config, load_config
from cockpit.content.errors import ContentError
from cockpit.textsafe import sanitize


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


def warn_missing_dirs(config: Config) -> None:
    """A content folder in the config that is not there: one warning line each, and carry on
    (a typo would otherwise hide a team's playbooks without a word)."""
    for field in ("screens_dirs", "playbooks_dirs", "scenarios_dirs"):
        for folder in getattr(config, field):
            if not folder.is_dir():
                what = "not a folder" if folder.exists() else "no such folder"
                click.echo(f"cockpit: warning: {field}: {folder}: {what}", err=True)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600, like the timeline file).

    An export holds everything the timeline holds; a file made with the umask's 0644 on a
    shared bastion is readable by every account on it. An existing file is tightened too.
    Raises OSError like ``Path.write_text``.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            fd = -1
            f.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


@dataclass
class Settings:
    """Global options of ``cockpit`` merged with the config file, read once per command."""

    screen: str | None = None
    config_path: Path | None = None
    db: Path | None = None
    read_only: bool = False
    #: Exit code of a bad config (a command whose exit codes mean something else sets it).
    error_code: int = 2
    _config: Config | None = field(default=None, repr=False)

    @cached_property
    def config(self) -> Config:
        try:
            config = load_config(self.config_path)
        except ContentError as exc:
            fail(str(exc), self.error_code)
        warn_missing_dirs(config)
        if self.db is not None:
            config.db = self.db
        if self.screen is not None:
            config.screen = self.screen
        return config


def settings(ctx: click.Context) -> Settings:
    """The global settings, also when a subcommand is invoked on its own in tests."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj
