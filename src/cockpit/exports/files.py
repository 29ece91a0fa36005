"""Writing an export to a file readable by its owner only, and where the cockpit puts one.

An export holds everything the timeline holds; a file made with the umask's 0644 on a
shared bastion is readable by every account on it. The CLI's ``-o``, the cockpit's
export key and the after-action screen all write through :func:`open_private`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO


@contextmanager
def open_private(path: Path) -> Iterator[TextIO]:
    """``path`` opened for writing text, readable by its owner only (0600, like the timeline
    file); an existing file is tightened too. Raises OSError like ``Path.open``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        f = os.fdopen(fd, "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (see :func:`open_private`)."""
    with open_private(path) as f:
        f.write(text)


def postmortem_path(db: Path | str | None, incident_id: str) -> Path:
    """``postmortems/ID.md`` beside the timeline file: private like it, and found again by id."""
    from cockpit.config import xdg_data_home

    base = Path(db).expanduser().parent if db else xdg_data_home() / "cockpit"
    return base / "postmortems" / f"{incident_id}.md"


def write_postmortem(tl: Any, incident_id: str, path: Path) -> Path:
    """Write the Markdown postmortem (escape sequences removed, as on ``export --format md``)
    to ``path`` as it is read (0600, in a 0700 folder made if missing). Returns the path."""
    from cockpit.exports.postmortem import write_markdown

    tl.incident(incident_id)  # an unknown id is said before any file is made
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open_private(path) as f:
        write_markdown(tl, incident_id, f, sanitized=True)
    return path


def export_markdown(tl: Any, incident_id: str, path: Path | str) -> Path:
    """Write the postmortem (with the after-action report) to ``path``, owner-only, into a
    folder that must exist; returns the path. For the cockpit's after-action screen, which
    offers what ``cockpit incident export ID --format md -o FILE`` writes."""
    from cockpit.exports.postmortem import write_markdown

    path = Path(path)
    tl.incident(incident_id)  # an unknown id is said before any file is made
    with open_private(path) as f:
        write_markdown(tl, incident_id, f, sanitized=True)
    return path
