"""Every playbook in the command palette (ctrl+p): "Run playbook dr-failover — …".

The screen's own list (``b``) offers what the screen names; the palette offers every
playbook Cockpit knows, the screen's first, so a responder who knows what to run types a
few letters of it. Picking one posts :class:`~cockpit.ui.messages.PlaybookRequested`,
exactly as the list does.

The catalog is read in a thread as the app starts (or when the palette first opens, if
sooner) and kept on the app; later opens answer from it at once and read it again in the
background for the next time (a playbook file added meanwhile shows up on the open after).
Searching never waits for I/O once the catalog is in memory.

The first read is *not* awaited in :meth:`PlaybookCommands.startup`: Textual runs a
provider's ``startup`` in a task that the first search awaits, so a search cancelled by the
next keystroke cancelled the startup with it, and every later search of that palette found
no playbook at all (typing ``morning-health`` quickly showed an empty list). The read is an
app-owned task that searches await through :func:`asyncio.shield`: a cancelled search
leaves it running for the next one.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from cockpit.ui.messages import PlaybookRequested
from cockpit.ui.session import Session, session_of


def read_catalog(app: App[Any], *, again: bool = False) -> asyncio.Future[Any]:
    """The app's read of the playbook catalog, in a thread: the one in flight, else the last
    one, else a new one (``again``: a new one once the last has ended, to see new files).
    A successful read is kept as the session's ``catalog``; the read itself as its
    ``catalog_read``, shared by every search."""
    session = session_of(app)
    read = session.catalog_read
    if read is None or (again and read.done()):
        from cockpit.content.playbooks import load_catalog

        read = asyncio.ensure_future(asyncio.to_thread(load_catalog, tuple(session.config.playbooks_dirs)))
        read.add_done_callback(partial(_keep, session))
        session.catalog_read = read
    return read


def _keep(session: Session, read: asyncio.Future[Any]) -> None:
    if not read.cancelled() and read.exception() is None:  # a failure is reported by the search awaiting it
        session.catalog = read.result()


class PlaybookCommands(Provider):
    """Run any playbook from the command palette."""

    async def startup(self) -> None:
        # Nothing awaited here (see the module docstring): start the read, or refresh it.
        read_catalog(self.app, again=session_of(self.app).catalog is not None)

    async def _ordered(self) -> list[tuple[str, str, bool]]:
        """Every playbook as (id, title, offered here): the screen's own first, in its order."""
        if (entries := getattr(self, "_entries", None)) is not None:
            return entries
        app = self.app
        session = session_of(app)
        catalog = session.catalog
        if catalog is None:
            try:  # shielded: a search superseded by the next key leaves the read running
                catalog = await asyncio.shield(read_catalog(app, again=True))
            except Exception as error:  # noqa: BLE001 — shown, not raised into Textual's palette
                app.notify(f"Playbooks could not be read for the palette: {error}", severity="error", timeout=10)
                self._entries = []
                return self._entries
        offered = list(session.screen_model.playbooks) if session.screen_model is not None else []
        order = {pid: i for i, pid in enumerate(offered)}
        self._entries = sorted(
            ((pid, pb.title, pid in order) for pid, pb in catalog.playbooks.items()),
            key=lambda e: (e[0] not in order, order.get(e[0], 0), e[0]))
        return self._entries

    def _request(self, playbook_id: str):
        def post() -> None:
            self.app.post_message(PlaybookRequested(playbook_id))

        return post

    def _label(self, playbook_id: str, title: str) -> str:
        return f"Run playbook {playbook_id} — {title}"

    async def discover(self) -> Hits:
        for playbook_id, title, offered in await self._ordered():
            if offered:
                yield DiscoveryHit(self._label(playbook_id, title), self._request(playbook_id),
                                   help="offered by this screen")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for playbook_id, title, offered in await self._ordered():
            label = self._label(playbook_id, title)
            score = matcher.match(label)
            if score > 0:
                yield Hit(score * (1.2 if offered else 1.0), matcher.highlight(label), self._request(playbook_id),
                          help="offered by this screen" if offered else None)
