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


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``cockpit: error: <message>`` on stderr and exit; never a traceback."""
    click.echo(f"cockpit: error: {message}", err=True)
    sys.exit(code)


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
    _config: Config | None = field(default=None, repr=False)

    @cached_property
    def config(self) -> Config:
        try:
            config = load_config(self.config_path)
        except ContentError as exc:
            fail(str(exc))
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
