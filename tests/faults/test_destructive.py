"""A destructive task whose safety read is garbled refuses and says why: nothing is deleted."""

from __future__ import annotations

import pytest

from tests.faults.proxy import FaultProxy
from tests.kube.emulator import EmulatorThread, crd
from tests.objects import datadog_stack_crd, promise, stack
from tests.tasks.inprocess import TaskRunner

STACKS = "/apis/platform.srekubecraft.io/v1alpha1/datadogstacks"
STACK_DISCOVERY = "/apis/platform.srekubecraft.io/v1alpha1"
GARBLED = "the API server answered with something that is not JSON of the expected shape"


@pytest.fixture
def two_stacks(kube: EmulatorThread) -> None:
    kube.install_crd(crd("promises.platform.kratix.io"), datadog_stack_crd())
    kube.seed(promise(), stack("production", "team-a"), stack("staging", "team-b"))


@pytest.mark.parametrize(
    ("fault", "path", "options"),
    [
        ("garble", STACKS, {}),
        ("html", STACKS, {}),
        ("json", STACKS, {"body": {"kind": "DatadogStackList", "metadata": {}}}),  # no items: not "none"
        ("json", STACKS, {"body": ["production", "staging"]}),
        ("json", STACK_DISCOVERY, {"body": {"kind": "APIResourceList"}}),  # no resources: not "not installed"
        ("html", STACK_DISCOVERY, {}),
    ],
)
@pytest.mark.parametrize(
    "task",
    [("promise.delete", "--yes"), ("datadog.delete", "--all", "--yes"), ("promise.delete", "--yes", "--dry-run")],
)
def test_a_garbled_safety_read_stops_the_deletion(
    two_stacks: None,
    kube: EmulatorThread,
    *,
    proxy: FaultProxy,
    faulty: TaskRunner,
    fault: str,
    path: str,
    options: dict[str, object],
    task: tuple[str, ...],
) -> None:
    proxy.add(fault, path=path, method="GET", **options)
    kube.forget_requests()

    run = faulty(*task)

    assert run.code == 12, run.stderr
    assert GARBLED in run.stderr and "list DatadogStack" in run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")
    assert kube.writes() == []
    assert kube.get("platform.kratix.io/v1alpha1", "Promise", "datadog-stack") is not None


def test_a_garbled_promise_read_is_not_read_as_not_installed(
    two_stacks: None, kube: EmulatorThread, proxy: FaultProxy, faulty: TaskRunner
) -> None:
    proxy.add("json", path="/apis/platform.kratix.io/v1alpha1/promises/", body={"kind": "Status"})

    run = faulty("promise.delete", "--yes")

    assert run.code == 12, run.stderr
    assert "get Promise datadog-stack" in run.stderr and GARBLED in run.stderr
    assert kube.writes() == []
