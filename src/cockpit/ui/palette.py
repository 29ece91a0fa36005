"""The command palette (ctrl+p), where Enter runs what is highlighted for what was typed.

Textual's palette searches in a worker and keeps the previous list on screen until the
new one is gathered. Keys typed quickly (or pasted) reach it as "query changed" messages
followed at once by Enter, before any search for the new query has run: Enter then
selected the highlighted entry of the *previous* list — the unfiltered discovery list,
whose first entry is "Incident: declare" — instead of "Keys" for ``keys``.

Two parts, both with public Textual API:

* every provider is wrapped (:func:`query_bound`) so that each hit carries the query it
  was found for (:class:`QueryCommand`);
* :class:`CockpitPalette` lets Enter through only when the highlighted entry was found for
  the query now in the input. Otherwise the Enter waits for the palette's search to finish
  and is then replayed, acting on the new list; typing again drops it, and when the search
  finds nothing the Enter does nothing.

The cockpit's own providers answer from data already in memory (see
``incident/actions.py`` and ``playbook/commands.py``), so that wait is a frame or two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cache
from inspect import isclass
from typing import Any

from textual import on
from textual.command import CommandInput, CommandList, CommandPalette, Hit, Hits, Provider
from textual.widgets import Input
from textual.worker import Worker


class QueryCommand:
    """A hit's command, remembering the query the hit was found for ("" for discovery)."""

    def __init__(self, command: Callable[[], Any], query: str) -> None:
        self.command = command
        self.query = query

    def __call__(self) -> Any:
        return self.command()


def _bind(hit: Hit, query: str) -> Hit:
    return replace(hit, command=QueryCommand(hit.command, query))


@cache
def query_bound(provider: type[Provider]) -> type[Provider]:
    """``provider`` with every hit tagged with its query (one subclass per provider class)."""

    class QueryBound(provider):  # type: ignore[misc, valid-type]
        async def search(self, query: str) -> Hits:
            async for hit in super().search(query):
                yield _bind(hit, query) if isinstance(hit, Hit) else hit

        async def discover(self) -> Hits:
            async for hit in super().discover():
                yield _bind(hit, "") if isinstance(hit, Hit) else hit

    QueryBound.__name__ = QueryBound.__qualname__ = f"QueryBound{provider.__name__}"
    return QueryBound


def bound_providers(sources: Iterable[Any]) -> Iterator[type[Provider]]:
    """Resolve ``COMMANDS`` entries (provider classes, or callables returning one) and wrap each."""
    for source in sources:
        provider = source if isclass(source) else source()
        yield query_bound(provider)


class CockpitPalette(CommandPalette):
    """Textual's palette whose Enter acts only on an entry found for the current query."""

    def __init__(self, providers: Iterable[type[Provider]], **kwargs: Any) -> None:
        super().__init__(providers=list(providers), **kwargs)
        #: An Enter arrived while the list was for another query: replay it when the search ends.
        self.enter_waiting = False

    @property
    def query_text(self) -> str:
        """What the palette searches for (Textual strips the input the same way)."""
        return self.query_one(CommandInput).value.strip()

    def highlighted_query(self) -> str | None:
        """The query the highlighted entry was found for (None: nothing, or a placeholder, is highlighted)."""
        commands = self.query_one(CommandList)
        if commands.highlighted is None:
            return None
        hit = getattr(commands.get_option_at_index(commands.highlighted), "hit", None)
        command = getattr(hit, "command", None)
        return command.query if isinstance(command, QueryCommand) else None

    def searching(self) -> bool:
        """Whether a search of the palette is still running."""
        return any(worker.node is self and not worker.is_finished for worker in self.app.workers)

    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        self.enter_waiting = False  # an Enter typed before these keys was for another query
        # not stopped and no prevent_default: Textual's palette starts the new search

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        if self.highlighted_query() == self.query_text:
            return  # the highlighted entry is one the user sees for what they typed: Textual selects it
        event.prevent_default()  # not Textual's handler: it would run whatever the stale list highlights
        event.stop()
        self.enter_waiting = self.searching()

    @on(Worker.StateChanged)
    async def _search_ended(self, event: Worker.StateChanged) -> None:
        if not self.enter_waiting or not event.worker.is_finished or event.worker.node is not self:
            return
        if self.highlighted_query() == self.query_text:
            self.enter_waiting = False
            await self.query_one(CommandInput).action_submit()  # the Enter again, on the list for its query
        elif not self.searching():
            self.enter_waiting = False  # nothing was found for it: Enter does nothing
