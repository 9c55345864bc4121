"""Fixtures for the checks: a snapshot of a platform on which no check fires, read once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.config import Settings
from ops.incident.snapshot import Snapshot
from tests.conftest import invoke_yaml
from tests.kube.emulator import EmulatorThread, kubeconfig_text
from tests.objects import (
    Stack,
    healthy_platform,
)
from tests.snapshots import read

HEALTHY_STACKS = (
    Stack("production", "team-a", tier="full", env="prod"),
    Stack("staging", "team-a", tier="standard", env="staging"),
    Stack("sandbox", "team-b"),
)


@pytest.fixture(scope="session")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """Argo CD, Kratix, ESO, Flux and three DatadogStacks (one per tier), all well."""
    path = tmp_path_factory.mktemp("healthy") / "kubeconfig.yaml"
    with EmulatorThread() as server:
        path.write_text(kubeconfig_text({"kind-a": server.url}, "kind-a"))
        yield read(server, path, Settings.from_config(invoke_yaml()), healthy_platform(HEALTHY_STACKS))


@pytest.fixture
def snapshot_of(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> Callable[..., Snapshot]:
    """snapshot_of(objects, crds=None, needs=None) -> the snapshot doctor takes of them."""

    def take(objects: list[dict[str, Any]], **kwargs: Any) -> Snapshot:
        return read(kube, kubeconfig, settings, objects, **kwargs)

    return take
