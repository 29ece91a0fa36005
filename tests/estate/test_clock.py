"""Scenario time: compressed by --speed, paused and jumped by a facilitator."""

from cockpit.estate.clock import ScenarioClock


class FakeTime:
    """A monotonic clock the test moves by hand (time itself is not what is under test)."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_speed_compresses_time():
    t = FakeTime()
    clock = ScenarioClock(60, monotonic=t)
    t.t += 2
    assert clock.now() == 120  # two real seconds are two scenario minutes


def test_pause_freezes_and_resume_continues():
    t = FakeTime()
    clock = ScenarioClock(10, monotonic=t)
    t.t += 1
    clock.pause()
    t.t += 100
    assert clock.now() == 10
    clock.resume()
    t.t += 1
    assert clock.now() == 20


def test_speed_change_keeps_elapsed_time():
    t = FakeTime()
    clock = ScenarioClock(1, monotonic=t)
    t.t += 30
    clock.set_speed(60)
    assert clock.now() == 30
    t.t += 1
    assert clock.now() == 90


def test_jump_moves_forward_only():
    t = FakeTime()
    clock = ScenarioClock(1, monotonic=t)
    t.t += 50
    clock.jump_to(10)
    assert clock.now() == 50
    clock.jump_to(300)
    assert clock.now() == 300


def test_durations_read_at_a_glance():
    from cockpit.content.durations import format_duration, parse_duration

    assert [format_duration(s) for s in (42, 845, 3720, 93_600)] == ["42s", "14m05s", "1h02m", "1d02h"]
    assert parse_duration("1h30m") == 5400 and parse_duration(90) == 90
