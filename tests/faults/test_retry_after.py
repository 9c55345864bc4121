"""429 with Retry-After is honoured within the deadline: waited out when it fits, refused at once
(exit 12, saying so) when it does not; a server that keeps failing is exit 12, not 1."""

from __future__ import annotations

import time

import pytest

from tests.faults.proxy import FaultProxy
from tests.faults.test_tasks import platform
from tests.tasks.inprocess import TaskRunner

__all__ = ["platform"]  # a fixture
STACKS = "/apis/platform.srekubecraft.io/v1alpha1/datadogstacks"


def test_a_retry_after_that_fits_is_waited_out(platform: None, proxy: FaultProxy, faulty: TaskRunner) -> None:
    rule = proxy.add("status", path=STACKS, code=429, retry_after=1.5, times=1)

    started = time.monotonic()
    run = faulty("datadog.status")

    assert run.code == 0, run.stderr
    assert rule.hits == 1
    assert time.monotonic() - started >= 1.5  # the back-off alone would have retried after 0.25 s


def test_a_retry_after_past_the_deadline_is_not_waited_out(
    platform: None, proxy: FaultProxy, faulty: TaskRunner
) -> None:
    proxy.add("status", path=STACKS, code=429, retry_after=120)

    started = time.monotonic()
    run = faulty("datadog.status")

    assert time.monotonic() - started < 5
    assert run.code == 12
    assert run.stderr == (
        "error: list DatadogStack failed: 429 TooManyRequests: injected 429 "
        "(it asked to retry after 120 s, past the deadline)\n"
    )


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_a_server_that_keeps_failing_is_exit_12(
    platform: None, proxy: FaultProxy, faulty: TaskRunner, code: int
) -> None:
    rule = proxy.add("status", path=STACKS, code=code)

    run = faulty("datadog.status")

    assert run.code == 12
    assert run.stderr.startswith(f"error: list DatadogStack failed: {code} ")
    assert rule.hits == 4  # the retry policy's attempts


def test_the_suite_never_probes_instance_metadata() -> None:
    import os

    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
