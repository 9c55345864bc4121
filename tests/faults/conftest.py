"""Fixtures for the fault-injection suite: the test API server behind `FaultProxy`, a task runner
whose kubeconfig points at the proxy (context `faulty`), and one with no cluster at all. A traceback
in a task run in-process escapes the runner and fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.proxy import FaultProxy
from tests.kube.emulator import EmulatorThread, kubeconfig_text
from tests.tasks.inprocess import TaskRunner


@pytest.fixture
def proxy(kube: EmulatorThread) -> Iterator[FaultProxy]:
    with FaultProxy(kube.url) as server:
        yield server


@pytest.fixture
def faulty(proxy: FaultProxy, tmp_path: Path) -> TaskRunner:
    """A task runner whose kubeconfig's only context (`faulty`) goes through the proxy."""
    path = tmp_path / "faulty-kubeconfig.yaml"
    path.write_text(kubeconfig_text({"faulty": proxy.url}, current="faulty"))
    return TaskRunner({"KUBECONFIG": str(path), "INVOKE_WAITS_INTERVAL": "0.05"})


@pytest.fixture
def run_task() -> TaskRunner:
    """A task runner with no cluster (pipeline.run, config and flag checks)."""
    return TaskRunner({"INVOKE_WAITS_INTERVAL": "0.05"})
