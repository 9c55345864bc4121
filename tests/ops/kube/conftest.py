"""Fixtures for ops.kube tests: the emulator and its kubeconfig, and a quick retry policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ops.kube import Kube, KubeTarget, RetryPolicy, connect
from tests.kube.fixtures import kube, kubeconfig  # noqa: F401

# Same shape as the default policy, waits in milliseconds so the tests stay fast.
QUICK = RetryPolicy(attempts=3, max_seconds=5.0, first_wait=0.01, max_wait=0.02, jitter=0.0)


@pytest.fixture
def connect_to(kubeconfig: Path) -> Iterator[Callable[..., Kube]]:  # noqa: F811
    """connect_to(context=None, **connect_kwargs) -> Kube on the test kubeconfig, closed afterwards."""
    opened: list[Kube] = []

    def open_kube(context: str | None = None, **kwargs: object) -> Kube:
        kwargs.setdefault("retry", QUICK)
        client = connect(KubeTarget(kubeconfig, context), **kwargs)  # type: ignore[arg-type]
        opened.append(client)
        return client

    yield open_kube
    for client in opened:
        client.close()
