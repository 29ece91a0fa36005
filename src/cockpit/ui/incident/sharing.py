"""The cockpit's share: its timeline file kept in step with the other hosts', and the header told how.

With ``share`` configured (not in a demo or an exercise: a rehearsal's incidents never
reach the team's share, nor theirs the rehearsal's file), one thread worker runs
``cockpit.share.sync.watch`` on its own connection to the file: a round a second, pulling
what other hosts wrote (the feed then shows it, as it shows another process's writes) and
pushing what this cockpit wrote. Each round's outcome comes back as :class:`ShareSynced`,
whose one short line the header shows (``shared · 2 queued``, ``share offline · 12 queued``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.worker import get_current_worker

from cockpit.ui.session import session_of

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from cockpit.share.sync import Outcome


class ShareSynced(Message):
    """A round with the share ended (or failed: ``outcome.error``)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


def share_configured(node: DOMNode) -> bool:
    session = session_of(node.app)
    return bool(session.config.share) and not session.rehearsal


def start_sharing(node: DOMNode, following: Callable[[], tuple[str, ...]]) -> None:
    """Run the share's rounds as ``node``'s worker, reporting to it (if a share is configured).
    ``following()`` names the incident this cockpit shows: the other hosts count it a
    responder to that one."""
    if not share_configured(node):
        return
    config = session_of(node.app).config
    node.run_worker(lambda: _rounds(node, config, following), thread=True, exclusive=True, group="share", name="share-sync",
                    exit_on_error=False, description="keep the timeline in step with the share")


def _rounds(node: DOMNode, config: Any, following: Callable[[], tuple[str, ...]]) -> None:
    from cockpit.share.sync import watch
    from cockpit.share.uri import parse

    worker = get_current_worker()
    watch(config.db, config.actor, parse(config.share), lambda outcome: node.post_message(ShareSynced(outcome)),
          stop=lambda: worker.is_cancelled, following=following)


async def declare(node: DOMNode, tl: Any, title: str, severity: str, **declare: Any) -> Any:
    """Declare an incident from the cockpit: with a share configured (not in a rehearsal), an
    incident is shared at once under a number the share reserves (``share/declare.py``), so
    the team sees it; the share away, it is declared here and a notification says it is not
    shared yet. Returns the incident."""
    if not share_configured(node) or str(declare.get("mode") or "incident") != "incident":
        return await tl.declare(title, severity, **declare)
    from cockpit.share.declare import declare_shared
    from cockpit.share.log import TableLog
    from cockpit.share.uri import parse

    uri = parse(session_of(node.app).config.share)

    def on_thread(sync: Any) -> Any:
        return declare_shared(sync, TableLog(uri, sync.node()), title, severity, **declare)

    done = await tl.call(on_thread, tl.sync)
    if done.warning:
        node.app.notify(done.warning, title="Not shared yet", severity="warning", timeout=15, markup=False)
    return done.incident
