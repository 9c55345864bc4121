"""Every Kubernetes failure becomes one ops error: right class, exit code, one-line message, chained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import urllib3

from ops.errors import ExitCode, OpsError
from ops.kube import ApiCall, Kube, api_errors
from ops.kube.errors import (
    PROVIDED_BY,
    ApiError,
    ApiUnreachable,
    CrdMissing,
    Forbidden,
    NotFound,
    Unauthorized,
)
from tests.kube.emulator import INLINE_CRDS, EmulatorThread

GROUP, VERSION = "platform.kratix.io", "v1alpha1"
LIST_PROMISES = ApiCall("list", GROUP, "Promise")


def list_promises(client: Kube) -> Any:
    return client.call(LIST_PROMISES, lambda: client.custom.list_cluster_custom_object(GROUP, VERSION, "promises"))


def raised(fn: Callable[[], object]) -> OpsError:
    with pytest.raises(OpsError) as caught:
        fn()
    error = caught.value
    assert "\n" not in str(error)
    assert error.__cause__ is not None  # the original is chained
    return error


def test_a_dead_server_is_unreachable_naming_its_url(connect_to: Callable[..., Kube]) -> None:
    client = connect_to("dead")
    error = raised(lambda: list_promises(client))
    assert isinstance(error, ApiUnreachable)
    assert str(error) == f"cannot reach the Kubernetes API at {client.server}: connection refused"
    assert error.exit_code == ExitCode.API_UNREACHABLE
    assert isinstance(error.__cause__, urllib3.exceptions.NewConnectionError)


def test_401_is_unauthorized_naming_the_request(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.fail(401)
    client = connect_to()
    error = raised(lambda: list_promises(client))
    assert isinstance(error, Unauthorized)
    assert str(error) == (
        f"the Kubernetes API at {kube.url} rejected the credentials (list Promise); "
        "refresh them with `invoke kubeconfig`"
    )
    assert error.exit_code == ExitCode.UNAUTHORIZED


def test_403_is_forbidden_naming_verb_and_resource_from_the_status(
    connect_to: Callable[..., Kube], kube: EmulatorThread
) -> None:
    kube.install_crd(INLINE_CRDS["promises.platform.kratix.io"])
    kube.fail(403)
    error = raised(lambda: list_promises(connect_to()))
    assert isinstance(error, Forbidden)
    assert str(error) == (
        'forbidden: user "system:serviceaccount:ops:reader" may not list promises.platform.kratix.io '
        "at the cluster scope"
    )
    assert (error.verb, error.resource, error.exit_code) == ("list", "promises.platform.kratix.io", 13)


def test_403_on_a_namespaced_core_kind_names_the_namespace(
    connect_to: Callable[..., Kube], kube: EmulatorThread
) -> None:
    kube.fail(403)
    client = connect_to()
    call = ApiCall("get", "", "Secret", "team-a", "datadog")
    error = raised(lambda: client.call(call, lambda: client.core.read_namespaced_secret("datadog", "team-a")))
    assert str(error) == 'forbidden: user "system:serviceaccount:ops:reader" may not get secrets in namespace "team-a"'


@pytest.mark.parametrize(("group", "provider"), sorted(PROVIDED_BY.items()))
def test_a_group_that_is_not_installed_is_crd_missing_naming_its_provider(
    connect_to: Callable[..., Kube], group: str, provider: str
) -> None:
    client = connect_to()
    call = ApiCall("list", group, "Thing")
    error = raised(lambda: client.call(call, lambda: client.custom.list_cluster_custom_object(group, "v1", "things")))
    assert isinstance(error, CrdMissing)
    assert (error.group, error.kind, error.provided_by) == (group, "Thing", provider)
    assert str(error) == f"the cluster does not serve Thing ({group}); install {provider}"
    assert error.exit_code == ExitCode.CRD_MISSING


def test_getting_an_object_of_a_missing_group_is_crd_missing_too(connect_to: Callable[..., Kube]) -> None:
    client = connect_to()
    call = ApiCall("get", GROUP, "Promise", name="datadog")
    error = raised(
        lambda: client.call(call, lambda: client.custom.get_cluster_custom_object(GROUP, VERSION, "promises", "x"))
    )
    assert isinstance(error, CrdMissing)


def test_an_unknown_group_still_says_what_to_install(connect_to: Callable[..., Kube]) -> None:
    client = connect_to()
    call = ApiCall("list", "example.io", "Widget")
    error = raised(
        lambda: client.call(call, lambda: client.custom.list_cluster_custom_object("example.io", "v1", "widgets"))
    )
    assert str(error) == "the cluster does not serve Widget (example.io); install the CRD that defines it"


def test_a_missing_object_is_not_found(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    client = connect_to()
    call = ApiCall("get", "", "Secret", "team-a", "datadog")
    error = raised(lambda: client.call(call, lambda: client.core.read_namespaced_secret("datadog", "team-a")))
    assert isinstance(error, NotFound)
    assert str(error) == "Secret datadog not found in namespace team-a"
    assert error.exit_code == ExitCode.NOT_FOUND


def test_creating_into_a_missing_namespace_is_the_namespace_not_found(connect_to: Callable[..., Kube]) -> None:
    client = connect_to()
    call = ApiCall("create", "", "ConfigMap", "team-a", "settings")
    body = {"metadata": {"name": "settings"}}
    error = raised(lambda: client.call(call, lambda: client.core.create_namespaced_config_map("team-a", body)))
    assert isinstance(error, NotFound)
    assert str(error) == "Namespace team-a not found"


def test_other_refusals_keep_status_reason_and_message(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    client = connect_to()
    call = ApiCall("create", "", "Namespace", name="team-a")
    body = {"metadata": {"name": "team-a"}}
    error = raised(lambda: client.call(call, lambda: client.core.create_namespace(body)))
    assert isinstance(error, ApiError)
    assert str(error) == 'create Namespace team-a failed: 409 AlreadyExists: namespaces "team-a" already exists'
    assert error.exit_code == ExitCode.FAILED


def test_errors_that_are_not_kubernetes_ones_pass_through_unchanged() -> None:
    with pytest.raises(KeyError), api_errors(LIST_PROMISES, "http://127.0.0.1:1"):
        raise KeyError("a bug")
