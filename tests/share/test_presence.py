"""Who counts as a responder: a host whose beat moves, judged on the observer's clock; a
host that left or fell silent does not, nor one whose last beat is old when first seen.
And what the header says of it. (The beats' trip through the table is in test_share_ui.py.)"""

from __future__ import annotations

from cockpit.share.presence import BEAT, SILENT_AFTER, Liveness, Presence, parse
from cockpit.share.sync import Outcome
from cockpit.timeline.exchange import Round

WALL = 1_800_000_000.0


def beat(node: str, n: int, at: float = WALL, following: tuple[str, ...] = ("INC-1",), offset_s: float = 0.0,
         actor: str = "") -> Presence:
    return Presence(node, actor or f"{node}@host", "host", following, n, at, 0, offset_s)


class Clocks:
    def __init__(self) -> None:
        self.mono, self.wall = 100.0, WALL

    def pass_(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


def test_a_host_counts_while_its_beat_moves_and_not_once_silent() -> None:
    clocks = Clocks()
    seen = Liveness(clock=lambda: clocks.mono, wall=lambda: clocks.wall)
    for n in range(1, 5):
        seen.observe([beat("a", n, clocks.wall), beat("b", 1, WALL)])
        assert [p.node for p in seen.live()] == ["a", "b"] if clocks.wall - WALL < SILENT_AFTER else ["a"]
        clocks.pass_(BEAT)
    assert [p.node for p in seen.live()] == ["a"]  # b's beat has not moved for 60 s: killed, not counted


def test_a_host_that_left_is_not_counted_at_once() -> None:
    seen = Liveness()
    seen.observe([beat("a", 1), beat("b", 1)], 0.0)
    seen.observe([beat("a", 1)])
    assert [p.node for p in seen.live()] == ["a"]


def test_an_old_beat_seen_first_is_a_host_gone_but_clock_skew_is_not_age() -> None:
    clocks = Clocks()
    seen = Liveness(clock=lambda: clocks.mono, wall=lambda: clocks.wall)
    # c died ten minutes ago; d's clock runs 20 s ahead of AWS's, and says so; e's runs 20 s behind.
    seen.observe([beat("c", 7, WALL - 600), beat("d", 2, WALL + 20, offset_s=20.0),
                  beat("e", 3, WALL - 50, offset_s=-20.0)])
    assert [p.node for p in seen.live()] == ["d", "e"]
    clocks.pass_(SILENT_AFTER - 29)  # e's beat was 30 s old when first seen: it falls silent first
    assert [p.node for p in seen.live()] == ["d"]


def test_items_not_written_by_a_cockpit_are_skipped_not_fatal() -> None:
    good = beat("a", 3).item()
    assert parse(good) == beat("a", 3)
    assert parse({"pk": {"S": "SHARE"}}) is None
    assert parse({**good, "beat": {"N": "many"}}) is None
    nan = parse({**good, "at": {"N": "NaN"}, "following": {"S": " ".join(f"INC-{n}" for n in range(500))}})
    assert nan is not None and nan.at == 0.0 and len(nan.following) == 20


def test_the_header_counts_responders_to_the_incident_shown_this_host_among_them() -> None:
    here = [beat("me", 1, following=("INC-1",)), beat("b", 4, following=("INC-1",)), beat("c", 2, following=("INC-2",))]
    outcome = Outcome(Round(queued=0), responders=tuple(here), node="me")
    assert outcome.short("INC-1") == "shared · 2 responders"
    assert outcome.short("INC-2") == "shared · 2 responders"  # c, and this host, which shows it
    assert outcome.short(None) == "shared · 3 responders"
    alone = Outcome(Round(queued=2), node="me")  # before this host's first beat is back
    assert alone.short("INC-1") == "shared · 1 responder · 2 queued"
    skewed = Outcome(Round(queued=0), node="me", offset_s=7.2)
    assert skewed.short("INC-1") == "shared · 1 responder · clock +7 s"
    assert Outcome(Round(queued=12), "unreachable: x", node="me", offset_s=-0.4).short("INC-1") == \
        "share offline · 12 queued"


def test_the_header_names_what_failed_in_the_words_a_responder_acts_on() -> None:
    def short(error: str, silent: float | None = None) -> str:
        return Outcome(Round(queued=12), error, node="me", silent_s=silent).short("INC-1")

    assert short("unreachable: connection refused", 41) == "share offline · 12 queued · last contact 0:41 ago"
    assert short("timeout: no answer in 3 s", 3) == "share offline · 12 queued"
    assert short("throttled: ProvisionedThroughputExceededException") == "share throttled · 12 queued"
    assert short("credentials: ExpiredTokenException: the token expired") == "share: credentials expired · 12 queued"
    assert short("credentials: AccessDeniedException: not authorized") == "share: access denied · 12 queued"
    line = Outcome(Round(queued=2), "credentials: ExpiredTokenException: the token expired").line()
    assert line == "share: credentials expired: ExpiredTokenException: the token expired · 2 queued"
    assert Outcome(Round(queued=0), "unreachable: refused").line() == "share offline: unreachable: refused · 0 queued"


def test_a_hostile_claim_item_is_told_in_one_inert_line() -> None:
    """Another host (or anyone with the table) wrote the claim: its text reaches the screen."""
    from cockpit.share.claims import TableClaims

    held = TableClaims._held({"actor": {"S": "evil\x1b]52;c;ZXZpbA==\x07\x1b[2J\nnext"}, "attempt": {"N": "many"},
                              "state": {"S": "claimed"}, "since": {"S": "2026-12-05T10:03:12\x1b[31mZ"}})
    line = held.line("step promote 'Promote the replica'")
    assert "\x1b" not in line and "\x07" not in line and "\n" not in line
    assert line.startswith("step promote 'Promote the replica' is being run by evil") and "attempt 0" in line


def test_the_header_says_when_a_log_stopped() -> None:
    """Events from a newer cockpit, or an incident this file holds under the same number: the
    log stops there, skipping nothing, and the header says so instead of looking all well."""
    from cockpit.timeline.mirror import Applied

    stopped = Round(pulled={"INC#INC-1": Applied(4, stopped="slot 5 of INC#INC-1: unknown event kind 'vote'")})
    assert Outcome(stopped, node="me").short("INC-1") == \
        "shared · 1 responder · 1 log stopped: slot 5 of INC#INC-1: unknown event kind 'vote'"
