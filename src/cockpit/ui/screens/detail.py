"""The detail view of the selected row: everything the table had no room for.

Alarms: reason, description, metric and threshold, the transitions this cockpit saw, and
the playbooks the screen's response plans run for it.
Replication pairs: buckets, rule, RPO budget, backlog and the lag trend as a Sparkline.
Services: status, problem and the provider's detail (deployment conditions, ECS
deployments, endpoint URL and latency). A modal: Esc or Enter closes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Sparkline, Static

from cockpit.sources.alarms import AlarmItem
from cockpit.sources.replication import ReplicationItem
from cockpit.sources.services import ServiceItem
from cockpit.textsafe import sanitize
from cockpit.ui.format import age, count, lag, one_line, size


def escape(text: str) -> str:
    """Text shown as is in Textual markup: *every* ``[`` escaped.

    Rich's ``escape`` leaves ``[212.0 (…`` alone (not tag-like), but Textual's parser reads
    an alarm reason cut after such a bracket as an open tag, and the next ``[/]`` after it
    (the playbooks section) then fails the whole modal. Every escaped value here is followed
    by a newline or a space, never directly by a tag, so a trailing backslash needs nothing.
    """
    return text.replace("[", "\\[")


def _lines(pairs: list[tuple[str, Any]]) -> str:
    """``label  value`` lines, the values in one column so the eye runs down them."""
    shown = [(label, value) for label, value in pairs if value not in (None, "")]
    width = max((len(label) for label, _ in shown), default=0) + 2
    return "\n".join(f"[b]{escape(label)}[/]{' ' * (width - len(label))}{escape(sanitize(str(value)))}"
                     for label, value in shown)


def alarm_text(item: AlarmItem, history: list[tuple[datetime, str, str]], now: datetime) -> str:
    metric = f"{item.namespace} {item.metric}".strip()
    head = _lines([("alarm", item.name), ("region", item.region), ("state", item.state),
                   ("severity", f"{item.severity} ({item.level.label} now)"), ("type", item.type),
                   ("metric", metric), ("threshold", item.threshold),
                   ("since", f"{item.updated_at:%Y-%m-%d %H:%M:%SZ} ({age(item.age(now))} ago)"
                    if item.updated_at else None),
                   ("description", item.description)])
    # Two lines per transition: when and what, then its reason indented and cut to fit an
    # 80-column modal (the whole current reason is above).
    seen = "\n".join(f"  {when:%H:%M:%SZ}  {state}\n    {escape(one_line(reason, 60))}" for when, state, reason in history)
    return (f"{head}\n\n[b]reason[/]\n{escape(sanitize(item.reason)) or '—'}\n\n[b]seen by this cockpit[/]\n"
            + (seen or "  (no transition seen yet)"))


def playbooks_text(offers: list[Any]) -> str:
    """The "playbooks" section of an alarm: what the screen's response plans run for it, with
    the reason and where each decision criterion stands now (``sources/response.py``)."""
    if not offers:
        return "\n\n[b]playbooks[/]\n  (no response plan of this screen names this alarm)"
    lines = []
    for offer in offers:
        lines.append(f"  [b]{escape(offer.playbook_id)}[/]  {escape(one_line(offer.plan.reason, 200))}")
        lines += [f"    {escape(one_line(check.line, 200))}" for check in offer.checks]
    return "\n\n[b]playbooks[/] (b to start one)\n" + "\n".join(lines)


def replication_text(item: ReplicationItem) -> str:
    used = f"{item.rpo_used:.0%} of the RPO" if item.rpo_used is not None else "no data"
    return _lines([("pair", item.id), ("source", f"{item.source_bucket} ({item.region})"),
                   ("destination", item.destination_bucket), ("rule", item.rule_id),
                   ("lag", f"{lag(item.latency_seconds)} — {used} (RPO {lag(item.rpo_seconds)})"),
                   ("pending operations", count(item.pending_operations)),
                   ("failed operations", count(item.failed_operations)),
                   ("pending bytes", size(item.pending_bytes)), ("level", item.level.label),
                   ("problem", item.problem)])


def service_text(source: str, item: ServiceItem) -> str:
    pairs: list[tuple[str, Any]] = [("name", item.name), ("kind", item.kind), ("where", item.scope),
                                    ("source", source), ("status", item.status), ("level", item.level.label),
                                    ("problem", item.problem)]
    if item.desired is not None:
        pairs.append(("ready/desired", f"{item.ready}/{item.desired}"))
    text = _lines(pairs)
    detail = dict(item.detail)
    conditions = detail.pop("conditions", None)
    deployments = detail.pop("deployments", None)
    extra = _lines([(k, v) for k, v in detail.items()])
    if extra:
        text += "\n\n" + extra
    if conditions:
        text += "\n\n[b]conditions[/]\n" + "\n".join(
            sanitize(f"  {escape(str(c.get('type')))}={escape(str(c.get('status')))} {escape(str(c.get('reason') or ''))} "
                     f"{escape(str(c.get('message') or ''))}", newlines=False) for c in conditions)
    if deployments:
        text += "\n\n[b]deployments[/]\n" + "\n".join(
            sanitize(f"  {escape(str(d.get('status')))} {d.get('running')}/{d.get('desired')} "
                     f"{escape(str(d.get('rollout') or ''))}", newlines=False)
            for d in deployments)
    return text


class DetailScreen(ModalScreen[None]):
    """A modal with the full story of one row."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, title: str, text: str, trend: tuple[float, ...] = ()) -> None:
        super().__init__()
        self._title, self._text, self._trend = title, text, trend

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail", classes="dialog"):
            yield Static(self._text, id="detail-text")
            if self._trend:
                yield Static("[b]lag trend[/] (oldest → newest)", classes="detail-label")
                yield Sparkline(list(self._trend), id="detail-trend")

    def on_mount(self) -> None:
        # The title carries a name AWS or Kubernetes gave: a border title is read as markup.
        self.query_one("#detail").border_title = escape(sanitize(self._title, newlines=False))
        self.query_one("#detail").border_subtitle = "Esc to close"

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
