"""The kubernetes client's APIs on the emulator, for the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.kube.emulator import EmulatorThread, crd
from tests.kube.fixtures import kube  # noqa: F401


@pytest.fixture
def api(kube: EmulatorThread) -> Iterator[Any]:  # noqa: F811
    """The kubernetes client's ApiClient on the emulator, closed afterwards."""
    api_client = kube.api_client()
    yield api_client
    api_client.close()
    api_client.rest_client.pool_manager.clear()


@pytest.fixture
def core(api: Any) -> Any:
    from kubernetes import client

    return client.CoreV1Api(api)


@pytest.fixture
def custom(api: Any, kube: EmulatorThread) -> Any:  # noqa: F811
    """CustomObjectsApi, with Kratix's Promise CRD installed."""
    from kubernetes import client

    kube.install_crd(crd("promises.platform.kratix.io"))
    return client.CustomObjectsApi(api)
