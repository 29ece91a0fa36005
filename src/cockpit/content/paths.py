"""Where operator content is found: shipped with Cockpit, then the user's own folders.

Shipped files live at the repository root (``screens/``, ``playbooks/``, ``scenarios/``)
and are packaged into the wheel as ``cockpit/_content/<kind>``. A user's folders (from the
config file or ``--playbooks DIR`` style options) come later in the search order, so a
file with the same id overrides the shipped one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["screens", "playbooks", "scenarios"]

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_dir(kind: Kind) -> Path:
    """The folder of shipped content of ``kind`` (in the wheel, or in a source checkout)."""
    packaged = _PACKAGE / "_content" / kind
    if packaged.is_dir():
        return packaged
    # Editable install or running from a checkout: src/cockpit/../../<kind>
    return _PACKAGE.parent.parent / kind


def content_files(kind: Kind, extra_dirs: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` file of ``kind``, shipped first, then each extra folder."""
    files: list[Path] = []
    for folder in (shipped_dir(kind), *extra_dirs):
        if folder.is_dir():
            files.extend(sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]))
    return files
