"""Cockpit's own settings: a small TOML file at the XDG config path.

Connection settings are *not* here: AWS follows its own chain (``AWS_PROFILE``,
``AWS_REGION``, ``AWS_ENDPOINT_URL``, ``~/.aws/config``) and Kubernetes follows
``KUBECONFIG``. This file holds only what is Cockpit's: the default screen, where the
timeline database lives (and the demo's and the exercises' own, kept apart from it), who
the responder is, the notification webhook, extra content folders, and the table incidents
are shared through (``share``; unset, nothing is shared). Nothing secret belongs here; the
webhook URL is the one thing that may carry a token, and it is redacted wherever it is written.

Lookup order: ``--config PATH``, then ``$COCKPIT_CONFIG``, then
``$XDG_CONFIG_HOME/cockpit/config.toml`` (``~/.config/cockpit/config.toml``). A missing
default file is fine (defaults apply); a missing file that was asked for is an error.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cockpit.content.errors import ContentError, Problem


def xdg_config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def xdg_data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def default_actor() -> str:
    """``user@host``: who did it, as the timeline records it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = os.environ.get("USER", "unknown")
    return f"{user}@{socket.gethostname()}"


class Config(BaseModel):
    """Settings read from ``config.toml``; every field has a working default."""

    model_config = ConfigDict(extra="forbid")

    screen: str = Field("greenlang-storage", description="Screen opened by a bare `cockpit`.")
    db: Path = Field(default_factory=lambda: xdg_data_home() / "cockpit" / "timeline.db",
                     description="The timeline database (SQLite).")
    # Rehearsals keep their own files, so a drill never becomes a real cockpit's current
    # incident and a real incident never shows in a demo (docs/timeline.md, "Which file").
    demo_db: Path = Field(default_factory=lambda: xdg_data_home() / "cockpit" / "demo.db",
                          description="The timeline of `cockpit demo` (unless --db is given).")
    exercise_db: Path = Field(default_factory=lambda: xdg_data_home() / "cockpit" / "exercise.db",
                              description="The timeline of `cockpit exercise` (unless --db is given).")
    actor: str = Field(default_factory=default_actor, description="Responder identity, user@host.")
    webhook_url: str | None = Field(None, description="Slack-compatible incoming webhook for notify steps.")
    screens_dirs: list[Path] = Field(default_factory=list, description="Extra folders of screen files.")
    playbooks_dirs: list[Path] = Field(default_factory=list, description="Extra folders of playbook files.")
    scenarios_dirs: list[Path] = Field(default_factory=list, description="Extra folders of scenario files.")
    kube_context: str | None = Field(None, description="Kubernetes context; default: the current one.")
    share: str | None = Field(None, description="The table incidents are shared through, "
                              "dynamodb://TABLE?region=R[&profile=P] (`cockpit share init` prints the line); "
                              "unset: nothing is shared.")

    @field_validator("share")
    @classmethod
    def _share_uri(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Checked by the parser the caller hands in (``share/uri.py`` sits layers above this
        module), so a mistake is reported at its line like any other."""
        check = (info.context or {}).get("share")
        if value is not None and check is not None:
            try:
                check(value)
            except ValueError as exc:
                raise PydanticCustomError("share_uri", "{reason}", {"reason": str(exc)}) from None
        return value


def config_path(explicit: Path | None = None) -> tuple[Path, bool]:
    """The config file to read, and whether it was asked for (so must exist)."""
    if explicit is not None:
        return explicit, True
    env = os.environ.get("COCKPIT_CONFIG")
    if env:
        return Path(env), True
    return xdg_config_home() / "cockpit" / "config.toml", False


#: Largest config file read; a real one is a few hundred bytes.
MAX_CONFIG_BYTES = 64 * 1024


def load_config(explicit: Path | None = None, *, check_share: Callable[[str], object] | None = None) -> Config:
    """Read the config file; raise ContentError (file:line) when it is malformed.

    ``check_share`` parses ``share`` (``cockpit.share.uri.parse``), raising ValueError."""
    path, required = config_path(explicit)
    try:
        if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
            raise ContentError.single(path, None, f"config file is {path.stat().st_size:,} bytes; "
                                                  f"the limit is {MAX_CONFIG_BYTES // 1024} KiB")
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        if required:
            raise ContentError.single(path, None, "config file not found") from None
        return Config()
    except OSError as exc:
        raise ContentError.single(path, None, f"cannot read config: {exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ContentError.single(path, None, f"config file is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    import tomllib  # here, not at import: without a config file nothing is parsed

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # tomllib reports "(at line N, column M)" in its message.
        raise ContentError.single(path, None, f"not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ContentError.single(path, None, "not valid TOML: arrays or inline tables nested too deeply") from None
    try:
        config = Config.model_validate(data, context={"share": check_share})
    except ValidationError as exc:
        raise ContentError([
            Problem(path, _toml_line(raw, err["loc"]), f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
            for err in exc.errors()
        ]) from None
    base = path.parent
    for field in ("screens_dirs", "playbooks_dirs", "scenarios_dirs"):
        setattr(config, field, [p if p.is_absolute() else base / p for p in getattr(config, field)])
    for field in ("db", "demo_db", "exercise_db"):
        if not getattr(config, field).is_absolute() and field in data:
            setattr(config, field, base / getattr(config, field))
    return config


def _toml_line(raw: bytes, loc: tuple) -> int | None:
    """Best effort: the line where the offending top-level key is set."""
    if not loc:
        return None
    key = str(loc[0])
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if line.strip().startswith((f"{key} ", f"{key}=")):
            return number
    return None
