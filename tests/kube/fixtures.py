"""Pytest fixtures for a Kubernetes API server: `kube` and `kubeconfig`.

Registered for the whole suite by `pytest_plugins = ["tests.kube.fixtures"]` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kube.emulator import EmulatorThread, closed_port_url, kubeconfig_text


@pytest.fixture
def kube() -> Iterator[EmulatorThread]:
    """A fresh API server on 127.0.0.1 for one test: builtin kinds only; install CRDs as needed."""
    with EmulatorThread() as server:
        yield server


@pytest.fixture
def kubeconfig(kube: EmulatorThread, tmp_path: Path) -> Path:
    """A kubeconfig: `kind-a` (current) and `kind-b` on `kube`, `dead` on a port nobody listens on.

    Each context has its own user with the bearer token `token-<context>`.
    """
    servers = {"kind-a": kube.url, "kind-b": kube.url, "dead": closed_port_url()}
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(kubeconfig_text(servers, current="kind-a"))
    return path


def pod(name: str, namespace: str = "team-a", phase: str = "Running", **labels: str) -> dict[str, Any]:
    """A minimal Pod for the emulator's own tests."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
        "status": {"phase": phase},
    }
