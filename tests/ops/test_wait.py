"""One wait for everything: bounded, backing off, explaining a timeout, and showing progress."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from rich.console import Console

from ops.errors import BadInput, ExitCode
from ops.render.console import Consoles
from ops.render.wait import PlainProgress, wait_view
from ops.wait import Observation, Tick, WaitTimeout, check_timeout, wait_until
from tests.objects import (
    Script,
)

CONFIGURING = Observation(done=False, phase="Configuring", detail="pipeline instance-configure Running")
READY = Observation(done=True, phase="Ready", detail="DaemonSet datadog 3/3 ready")


def probe_of(*observations: Observation) -> tuple[list[int], Callable[[], Observation]]:
    calls: list[int] = []
    items: Iterator[Observation] = iter(observations)
    last: list[Observation] = []

    def probe() -> Observation:
        calls.append(1)
        last[:] = [next(items, last[0] if last else observations[-1])]
        return last[0]

    return calls, probe


def test_a_probe_already_done_is_polled_once_and_never_sleeps() -> None:
    script = Script()
    calls, probe = probe_of(READY)

    result = wait_until(probe, what="DaemonSet datadog", timeout=60, clock=script.clock, sleep=script.sleep)

    assert result.done and not result.failed
    assert (len(calls), result.polls, script.slept) == (1, 1, [])
    assert result.observation == READY


def test_polls_back_off_from_the_interval_to_the_maximum() -> None:
    script = Script()
    _, probe = probe_of(*[CONFIGURING] * 6, READY)

    result = wait_until(
        probe,
        what="x",
        timeout=600,
        interval=1,
        max_interval=5,
        clock=script.clock,
        sleep=script.sleep,
    )

    assert result.done and result.polls == 7
    assert script.slept == [1, 2, 4, 5, 5, 5]
    assert result.elapsed == 22


def test_a_failure_ends_the_wait_at_once_without_a_timeout() -> None:
    script = Script()
    failed = Observation(done=False, failed=True, phase="Failed", detail="A Configure Pipeline has failed: x")
    _, probe = probe_of(CONFIGURING, failed)

    result = wait_until(probe, what="x", timeout=60, clock=script.clock, sleep=script.sleep)

    assert result.failed and not result.done
    assert result.observation == failed
    assert len(script.slept) == 1


def test_a_timeout_says_what_was_awaited_for_how_long_and_what_was_seen_last() -> None:
    script = Script()
    _, probe = probe_of(Observation(done=False, phase="Pending"), CONFIGURING)

    with pytest.raises(WaitTimeout) as caught:
        wait_until(
            probe,
            what="DatadogStack team-a/production",
            timeout=30,
            clock=script.clock,
            sleep=script.sleep,
        )

    assert caught.value.exit_code == ExitCode.TIMEOUT == 18
    assert str(caught.value) == (
        "gave up waiting for DatadogStack team-a/production after 30 s: "
        "still Configuring: pipeline instance-configure Running"
    )
    assert caught.value.last == CONFIGURING
    assert script.now == 30  # the last sleep was cut to the deadline, not a whole back-off step


def test_a_timeout_can_carry_what_the_caller_found_out() -> None:
    error = WaitTimeout("Promise datadog-stack", 5, CONFIGURING)

    explained = error.explained("pod p container c waiting: ImagePullBackOff", "")

    assert str(explained).endswith("pipeline instance-configure Running; pod p container c waiting: ImagePullBackOff")
    assert explained.exit_code == ExitCode.TIMEOUT


def test_a_zero_timeout_still_looks_once() -> None:
    script = Script()
    calls, probe = probe_of(READY)

    assert wait_until(probe, what="x", timeout=0, clock=script.clock, sleep=script.sleep).done
    assert len(calls) == 1


def test_an_error_from_the_probe_ends_the_wait_with_that_error() -> None:
    script = Script()

    def probe() -> Observation:
        raise BadInput("x", 1, "never")

    with pytest.raises(BadInput):
        wait_until(probe, what="x", timeout=60, clock=script.clock, sleep=script.sleep)
    assert script.slept == []


def test_progress_sees_every_poll_with_the_elapsed_time() -> None:
    script = Script()
    ticks: list[Tick] = []
    _, probe = probe_of(CONFIGURING, CONFIGURING, READY)

    wait_until(
        probe, what="x", timeout=60, interval=2, clock=script.clock, sleep=script.sleep, on_progress=ticks.append
    )

    assert [(t.observation.phase, t.elapsed) for t in ticks] == [("Configuring", 0), ("Configuring", 2), ("Ready", 6)]


@pytest.mark.parametrize("value", [0, -1, True, "10"])
def test_a_timeout_must_be_seconds_above_zero(value: object) -> None:
    with pytest.raises(BadInput, match=r"^--timeout: .* is not allowed; a number of seconds above 0$"):
        check_timeout(value)  # type: ignore[arg-type]


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=200, color_system=None), buffer


def test_plain_progress_prints_a_timestamped_line_only_when_something_changes() -> None:
    out, buffer = console(terminal=False)
    show = PlainProgress(out, now=lambda: "10:00:00")

    for elapsed, observation in ((0, CONFIGURING), (2, CONFIGURING), (4, READY), (6, READY)):
        show(Tick("DatadogStack team-a/production", observation, elapsed))

    assert buffer.getvalue().splitlines() == [
        "10:00:00 DatadogStack team-a/production: Configuring: pipeline instance-configure Running (0 s)",
        "10:00:00 DatadogStack team-a/production: Ready: DaemonSet datadog 3/3 ready (4 s)",
    ]


def test_the_view_is_plain_lines_without_a_terminal() -> None:
    err, buffer = console(terminal=False)
    consoles = Consoles(out=console(False)[0], err=err)

    with wait_view(consoles, now=lambda: "10:00:00") as show:
        show(Tick("x", CONFIGURING, 1))
        show(Tick("x", CONFIGURING, 3))

    assert buffer.getvalue() == "10:00:00 x: Configuring: pipeline instance-configure Running (1 s)\n"


def test_on_a_terminal_each_phase_reached_stays_on_screen() -> None:
    err, buffer = console(terminal=True)
    consoles = Consoles(out=console(True)[0], err=err)

    with wait_view(consoles, now=lambda: "10:00:00") as show:
        show(Tick("x", Observation(done=False, phase="Pending"), 0))
        show(Tick("x", CONFIGURING, 2))
        show(Tick("x", CONFIGURING, 4))
        show(Tick("x", READY, 6))

    text = buffer.getvalue()
    for line in ("x: Pending (0 s)", "x: Configuring: pipeline instance-configure Running (2 s)", "x: Ready: Dae"):
        assert line in text
