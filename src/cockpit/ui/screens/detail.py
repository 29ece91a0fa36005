"""The detail view of the selected row: everything the table had no room for.

Alarms: reason, description, metric and threshold, the transitions this cockpit saw, the
playbooks the screen's response plans run for it, and a plot of the metric's last hour
against the threshold (fetched by a worker when the detail opens: "loading", then the
plot, or one error line). Replication pairs: buckets, rule, RPO budget, backlog, and the
lag's datapoints plotted against the RPO on a time axis. Plots are drawn by plotext
(``cockpit.ui.plot``), imported only here, in a worker thread.
Services: status, problem and the provider's detail (deployment conditions, ECS
deployments, endpoint URL and latency). A modal: Esc or Enter closes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.sources.alarms import AlarmItem
from cockpit.sources.replication import ReplicationItem
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import utcnow
from cockpit.textsafe import sanitize
from cockpit.ui.format import age, count, lag, one_line, size

Points = list[tuple[datetime, float]]


@dataclass(frozen=True)
class PlotRequest:
    """What the detail plots: ``points``, or what ``load`` returns (awaited in a worker)."""

    title: str  # what the y axis is ("lag (s)", "AWS/S3 5xxErrors (Sum)")
    line: float | None  # the threshold or RPO, drawn across and labelled on the y axis
    line_label: str  # "RPO 15m", "threshold 10"
    points: tuple[tuple[datetime, float], ...] = ()
    load: Callable[[], Awaitable[Points]] | None = None
    #: Shown instead of a plot when there is nothing to load (e.g. not connected).
    unavailable: str = ""


def alarm_plot(item: AlarmItem, load: Callable[[], Awaitable[Points]] | None) -> PlotRequest:
    stat = f" ({item.statistic})" if item.statistic else ""
    threshold = f"threshold {item.threshold:g}" if item.threshold is not None else ""
    return PlotRequest(f"{item.namespace} {item.metric}{stat}".strip(), item.threshold, threshold, load=load,
                       unavailable="" if load else "not connected: the metric's datapoints were not fetched")


def replication_plot(item: ReplicationItem) -> PlotRequest:
    return PlotRequest("ReplicationLatency (s)", float(item.rpo_seconds), f"RPO {lag(item.rpo_seconds)}",
                       points=item.series, unavailable="" if item.series else "no lag datapoints in the window")


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

    def __init__(self, title: str, text: str, plot: PlotRequest | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__()
        self._title, self._text, self._plot, self._clock = title, text, plot, clock

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail", classes="dialog"):
            yield Static(self._text, id="detail-text")
            if self._plot is not None:
                first = self._plot.unavailable if self._plot.unavailable and not self._plot.load \
                    else "loading the last hour…"
                yield Static(Text(first), id="detail-plot")

    def on_mount(self) -> None:
        # The title carries a name AWS or Kubernetes gave: a border title is read as markup.
        self.query_one("#detail").border_title = escape(sanitize(self._title, newlines=False))
        self.query_one("#detail").border_subtitle = "Esc to close"
        if self._plot is not None and not (self._plot.unavailable and not self._plot.load):
            self.draw_plot(self._plot)

    @work(exclusive=True, group="detail-plot", exit_on_error=False, description="plot the detail")
    async def draw_plot(self, request: PlotRequest) -> None:
        """Fetch (alarms) and draw off the event loop; a failure is one line where the plot goes."""
        shown = self.query_one("#detail-plot", Static)
        points: Points = list(request.points)
        if request.load is not None:
            try:
                points = await request.load()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # shown where the plot would be: the detail stays useful
                from cockpit.sources.errors import classify

                shown.update(Text(f"could not fetch the metric: {one_line(str(classify(exc)), 200)}", "red"))
                return
        if not points:
            shown.update(Text("no datapoints in the last hour"))
            return
        # The room the dialog gives the plot (a wider plot would wrap into garbage).
        width = max(30, min(shown.content_region.width or self.app.size.width - 14, 100))
        from cockpit.ui.plot import render

        plot = await asyncio.to_thread(render, points, line=request.line, line_label=request.line_label,
                                       title=request.title, now=self._clock(), width=width)
        plot.no_wrap, plot.overflow = True, "crop"
        shown.update(plot)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
