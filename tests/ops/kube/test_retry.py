"""Only what can succeed on a second try is retried, within bounds; the request counts prove it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from kubernetes.client.exceptions import ApiException

from ops.kube import ApiCall, Kube, RetryPolicy
from ops.kube.errors import ApiError, ApiUnreachable, CrdMissing, Forbidden, Unauthorized
from ops.kube.retry import is_retryable
from tests.kube.emulator import EmulatorThread
from tests.ops.kube.conftest import QUICK

LIST_NAMESPACES = ApiCall("list", "", "Namespace")
CREATE_NAMESPACE = ApiCall("create", "", "Namespace", name="team-a")


def list_namespaces(client: Kube) -> list[str]:
    listing = client.call(LIST_NAMESPACES, client.core.list_namespace)
    return [n.metadata.name for n in listing.items]


def create_namespace(client: Kube) -> object:
    return client.call(CREATE_NAMESPACE, lambda: client.core.create_namespace({"metadata": {"name": "team-a"}}))


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
def test_a_passing_server_error_is_retried_until_it_succeeds(
    connect_to: Callable[..., Kube], kube: EmulatorThread, code: int
) -> None:
    kube.fail(code, times=2)
    assert list_namespaces(connect_to()) == []
    assert kube.count("GET", "/api/v1/namespaces") == 3


@pytest.mark.parametrize(("code", "error"), [(400, ApiError), (401, Unauthorized), (403, Forbidden), (404, CrdMissing)])
def test_a_refusal_is_raised_at_once(
    connect_to: Callable[..., Kube], kube: EmulatorThread, code: int, error: type[Exception]
) -> None:
    kube.fail(code, times=1)
    client = connect_to()
    call = ApiCall("list", "platform.kratix.io", "Promise")
    with pytest.raises(error):
        client.call(call, lambda: client.custom.list_cluster_custom_object("platform.kratix.io", "v1", "promises"))
    assert kube.count() == 1


def test_retries_stop_after_the_attempts(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.fail(503)
    with pytest.raises(ApiError, match="503 ServiceUnavailable"):
        list_namespaces(connect_to(retry=RetryPolicy(attempts=4, first_wait=0.01, max_wait=0.01, jitter=0)))
    assert kube.count() == 4


def test_retries_stop_after_the_seconds(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.fail(503)
    policy = RetryPolicy(attempts=1000, max_seconds=0.3, first_wait=0.05, max_wait=0.05, jitter=0)
    started = time.monotonic()
    with pytest.raises(ApiError):
        list_namespaces(connect_to(retry=policy))
    assert time.monotonic() - started < 1.0
    assert 3 <= kube.count() <= 8


def test_a_create_is_repeated_only_when_the_server_did_not_process_it(
    connect_to: Callable[..., Kube], kube: EmulatorThread
) -> None:
    client = connect_to()
    kube.fail(500, method="POST", times=1)
    with pytest.raises(ApiError, match="500 InternalError"):
        create_namespace(client)
    assert kube.count("POST") == 1
    kube.fail(503, method="POST", times=1)
    create_namespace(client)
    assert kube.count("POST") == 3


def test_a_refused_connection_is_retried_then_unreachable(connect_to: Callable[..., Kube]) -> None:
    client = connect_to("dead", retry=QUICK)
    with pytest.raises(ApiUnreachable) as caught:
        list_namespaces(client)
    assert is_retryable(caught.value.__cause__)  # type: ignore[arg-type]


def test_a_policy_can_be_given_per_call(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.fail(503, times=1)
    client = connect_to()
    with pytest.raises(ApiError):
        client.call(LIST_NAMESPACES, client.core.list_namespace, retry=RetryPolicy(attempts=1))
    assert kube.count() == 1


def test_statuses_that_may_pass_are_the_retryable_ones() -> None:
    assert [s for s in range(400, 600) if is_retryable(ApiException(status=s))] == [429, 500, 502, 503, 504]
    assert [s for s in range(400, 600) if is_retryable(ApiException(status=s), idempotent=False)] == [429, 503]
    assert not is_retryable(ApiException(status=0, reason="SSLError"))
    assert not is_retryable(ValueError("a bug"))
