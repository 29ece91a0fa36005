"""Every playbook in the command palette (ctrl+p): "Run playbook dr-failover — …".

The screen's own list (``b``) offers what the screen names; the palette offers every
playbook Cockpit knows, the screen's first, so a responder who knows what to run types a
few letters of it. Picking one posts :class:`~cockpit.ui.messages.PlaybookRequested`,
exactly as the list does.

The catalog is read in a thread the first time the palette opens and kept on the app; later
opens answer from it at once and read it again in the background for the next time (a
playbook file added meanwhile shows up on the open after). Searching never waits for I/O.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cockpit.ui.messages import PlaybookRequested


#: The app attribute holding the catalog last read for the palette.
CACHE = "_palette_playbook_catalog"


class PlaybookCommands(Provider):
    """Run any playbook from the command palette."""

    async def startup(self) -> None:
        from cockpit.content.playbooks import load_catalog

        app: Any = self.app
        config = getattr(app, "config", None)
        dirs = tuple(config.playbooks_dirs) if config is not None else ()

        async def read() -> Any:
            catalog = await asyncio.to_thread(load_catalog, dirs)
            setattr(app, CACHE, catalog)
            return catalog

        catalog = getattr(app, CACHE, None)
        if catalog is None:
            catalog = await read()
        else:
            app.run_worker(read(), group="palette-catalog", exclusive=True, exit_on_error=False,
                           description="read the playbooks for the command palette")
        offered = list(getattr(getattr(app, "model", None), "playbooks", None) or [])
        # The screen's playbooks first, in its order; then the rest by id.
        order = {pid: i for i, pid in enumerate(offered)}
        self._entries = sorted(
            ((pid, pb.title, pid in order) for pid, pb in catalog.playbooks.items()),
            key=lambda e: (e[0] not in order, order.get(e[0], 0), e[0]))

    def _request(self, playbook_id: str):
        def post() -> None:
            self.app.post_message(PlaybookRequested(playbook_id))

        return post

    def _label(self, playbook_id: str, title: str) -> str:
        return f"Run playbook {playbook_id} — {title}"

    async def discover(self) -> Hits:
        for playbook_id, title, offered in getattr(self, "_entries", ()):
            if offered:
                yield DiscoveryHit(self._label(playbook_id, title), self._request(playbook_id),
                                   help="offered by this screen")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for playbook_id, title, offered in getattr(self, "_entries", ()):
            label = self._label(playbook_id, title)
            score = matcher.match(label)
            if score > 0:
                yield Hit(score * (1.2 if offered else 1.0), matcher.highlight(label), self._request(playbook_id),
                          help="offered by this screen" if offered else None)
