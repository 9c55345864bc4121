"""Fixtures for the fault-injection suite: the test API server behind `FaultProxy`, and a task runner
whose kubeconfig points at the proxy (context `faulty`) and that reports a traceback as a failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.proxy import FaultProxy
from tests.kratix_objects import TaskRunner
from tests.kube.emulator import EmulatorThread, kubeconfig_text


@pytest.fixture
def proxy(kube: EmulatorThread) -> Iterator[FaultProxy]:
    with FaultProxy(kube.url) as server:
        yield server


@pytest.fixture
def faulty(proxy: FaultProxy, tmp_path: Path, run_task: TaskRunner, monkeypatch: pytest.MonkeyPatch) -> TaskRunner:
    """run_task, with the kubeconfig's only context (`faulty`) going through the proxy."""
    path = tmp_path / "faulty-kubeconfig.yaml"
    path.write_text(kubeconfig_text({"faulty": proxy.url}, current="faulty"))
    monkeypatch.setenv("KUBECONFIG", str(path))
    return run_task
