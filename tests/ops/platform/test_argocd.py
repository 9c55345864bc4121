"""Argo CD once it runs: its Applications with this installation's values, the admin password, the UI."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ops.config import Settings
from ops.errors import BadInput, ExitCode
from ops.kube import Kube
from ops.kube.errors import CrdMissing, Forbidden
from ops.platform import argocd
from ops.programs import Runner
from ops.repository import ARGOCD_APPS
from tests.iac.argocd_applications import load_applications
from tests.kube.emulator import INLINE_CRDS, EmulatorThread
from tests.ops.kube.conftest import connect_to  # noqa: F401
from tests.programs import Programs, programs  # noqa: F401

APPS = "argoproj.io/v1alpha1"
NAMES = list(load_applications())  # in file order, as applied
SERVER = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "argocd-server", "namespace": "argocd"},
    "spec": {
        "type": "ClusterIP",
        "ports": [
            {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
            {"name": "https", "port": 443, "targetPort": 8080, "protocol": "TCP"},
        ],
    },
}


def initial_secret(password: str) -> dict[str, object]:
    """As argocd-server writes it at first start (settings.go: key `password`, 16 characters)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "argocd-initial-admin-secret", "namespace": "argocd"},
        "type": "Opaque",
        "stringData": {"password": password},
    }


@pytest.fixture
def fill(settings: Settings) -> argocd.AppSettings:
    return argocd.AppSettings.of(settings, region="eu-central-1", git_secret="kratix/git-credentials")


@pytest.fixture
def cluster(kube: EmulatorThread, connect_to: Callable[..., Kube]) -> Iterator[Kube]:  # noqa: F811
    """A cluster where Argo CD is installed: its CRD and its namespace."""
    kube.install_crd(INLINE_CRDS["applications.argoproj.io"])  # the served kind is what matters here
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argocd"}})
    yield connect_to()


def test_every_application_is_filled_in_and_no_placeholder_is_left(fill: argocd.AppSettings) -> None:
    apps = argocd.applications(ARGOCD_APPS, dataclasses.replace(fill, region="eu-west-3"))

    assert [app["metadata"]["name"] for app in apps] == NAMES
    text = json.dumps(apps)
    assert argocd.REGION_PLACEHOLDER not in text
    config = next(app for app in apps if app["metadata"]["name"] == "kratix-config")
    assert config["spec"]["source"]["helm"]["valuesObject"]["secretStore"]["region"] == "eu-west-3"


def test_the_repository_applications_follow_the_state_store_settings(fill: argocd.AppSettings) -> None:
    ours = dataclasses.replace(
        fill,
        repository_url="https://github.com/acme/platform.git",
        branch="release",
        statestore_path="state",
        destination_path="eu-1",
        git_secret="platform/git",
    )

    apps = {app["metadata"]["name"]: app for app in argocd.applications(ARGOCD_APPS, ours)}

    config, workloads = apps["kratix-config"]["spec"]["source"], apps["kratix-platform-workloads"]["spec"]["source"]
    assert (config["repoURL"], config["targetRevision"]) == ("https://github.com/acme/platform.git", "release")
    assert config["path"] == "gitops/argocd/charts/kratix-config"  # the chart's place in this repository
    values = config["helm"]["valuesObject"]
    assert values["stateStore"] == {"url": "https://github.com/acme/platform.git", "branch": "release", "path": "state"}
    assert values["destination"]["path"] == "eu-1"
    assert values["gitCredentials"]["remoteKey"] == "platform/git"
    assert (workloads["repoURL"], workloads["targetRevision"], workloads["path"]) == (
        "https://github.com/acme/platform.git",
        "release",
        "state/eu-1",
    )
    # charts from elsewhere keep their pinned chart versions
    assert apps["cert-manager"]["spec"]["source"]["targetRevision"] == "v1.19.1"
    assert apps["kratix"]["spec"]["source"]["targetRevision"] == "v0.0.1"


def test_applications_are_created_then_left_unchanged(
    cluster: Kube, kube: EmulatorThread, fill: argocd.AppSettings
) -> None:
    apps = argocd.applications(ARGOCD_APPS, fill)

    first = argocd.apply_applications(cluster, apps)
    kube.forget_requests()
    second = argocd.apply_applications(cluster, apps)

    assert [str(a) for a in first] == [f"Application argocd/{name} created" for name in NAMES]
    assert {a.action for a in second} == {"unchanged"}
    assert kube.writes() == []
    live = kube.get(APPS, "Application", "kratix-config", "argocd")
    assert (
        live is not None and live["spec"]["source"]["helm"]["valuesObject"]["secretStore"]["region"] == "eu-central-1"
    )


def test_a_new_region_configures_only_the_application_that_uses_it(
    cluster: Kube, kube: EmulatorThread, fill: argocd.AppSettings
) -> None:
    argocd.apply_applications(cluster, argocd.applications(ARGOCD_APPS, fill))

    again = argocd.apply_applications(
        cluster, argocd.applications(ARGOCD_APPS, dataclasses.replace(fill, region="eu-west-1"))
    )

    assert [str(a) for a in again if a.changed] == ["Application argocd/kratix-config configured"]


def test_a_dry_run_says_what_would_be_created_and_writes_nothing(
    cluster: Kube, kube: EmulatorThread, fill: argocd.AppSettings
) -> None:
    kube.forget_requests()

    applied = argocd.apply_applications(cluster, argocd.applications(ARGOCD_APPS, fill), dry_run=True)

    assert [str(a) for a in applied] == [f"Application argocd/{name} would be created" for name in NAMES]
    assert kube.writes() == []


def test_without_argo_cd_the_applications_say_what_to_install(
    kube: EmulatorThread,
    connect_to: Callable[..., Kube],  # noqa: F811
    fill: argocd.AppSettings,
) -> None:
    with pytest.raises(CrdMissing) as caught:
        argocd.apply_applications(connect_to(), argocd.applications(ARGOCD_APPS, fill))

    assert str(caught.value) == "the cluster does not serve Application (argoproj.io); install Argo CD"
    assert caught.value.exit_code == ExitCode.CRD_MISSING
    assert kube.writes() == []


def test_rbac_refusing_to_create_applications_is_named(
    cluster: Kube, kube: EmulatorThread, fill: argocd.AppSettings
) -> None:
    kube.fail(403, method="PATCH", path="/apis/argoproj.io")

    with pytest.raises(Forbidden) as caught:
        argocd.apply_applications(cluster, argocd.applications(ARGOCD_APPS, fill))

    assert caught.value.exit_code == ExitCode.UNAUTHORIZED
    assert str(caught.value) == (
        'forbidden: user "system:serviceaccount:ops:reader" may not patch applications.argoproj.io '
        'in namespace "argocd"'
    )


def test_the_initial_password_is_read_from_its_secret(cluster: Kube, kube: EmulatorThread) -> None:
    kube.seed(initial_secret("Xq3-kP9zR2mWv8Ln"))

    assert argocd.initial_admin_password(cluster) == "Xq3-kP9zR2mWv8Ln"


def test_a_changed_password_is_explained_when_the_initial_secret_is_gone(cluster: Kube) -> None:
    with pytest.raises(argocd.PasswordChanged) as caught:
        argocd.initial_admin_password(cluster)

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert str(caught.value) == (
        "Secret argocd/argocd-initial-admin-secret no longer exists: the admin password was changed "
        "(Argo CD deletes the initial one then); log in with the changed password, or set a new one "
        "with `argocd account update-password`"
    )


def test_without_the_argocd_namespace_argo_cd_is_said_to_be_missing(
    kube: EmulatorThread,
    connect_to: Callable[..., Kube],  # noqa: F811
) -> None:
    with pytest.raises(argocd.ArgoCdMissing, match=r"^Argo CD is not installed: no namespace argocd; run `invoke"):
        argocd.initial_admin_password(connect_to())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_port_forward_checks_the_service_and_the_port_then_runs_kubectl(
    cluster: Kube,
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    kube.seed(SERVER)
    port = free_port()

    forward = argocd.check_port_forward(cluster, port)
    argocd.port_forward(Runner(), forward, context=cluster.context, kubeconfig=kubeconfig)

    assert (forward.url, forward.user) == (f"https://localhost:{port}", "admin")
    assert programs.argvs() == [
        [
            "kubectl",
            "port-forward",
            "svc/argocd-server",
            "-n",
            "argocd",
            f"{port}:443",
            "--context",
            "kind-a",
            "--kubeconfig",
            str(kubeconfig),
        ]
    ]


def test_a_port_in_use_is_refused_before_kubectl_starts(cluster: Kube, kube: EmulatorThread) -> None:
    kube.seed(SERVER)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(BadInput) as caught:
            argocd.check_port_forward(cluster, port)

    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert str(caught.value) == f"--port: {port} is not allowed; a free local port ({port} is in use); pick another"


def test_a_missing_server_service_is_named(cluster: Kube) -> None:
    with pytest.raises(argocd.ArgoCdMissing, match=r"^Service argocd/argocd-server not found; is Argo CD installed"):
        argocd.check_port_forward(cluster, free_port())


def test_a_port_outside_the_tcp_range_is_bad_input(cluster: Kube) -> None:
    with pytest.raises(BadInput, match=r"^--port: 0 is not allowed; a TCP port from 1 to 65535"):
        argocd.check_port_forward(cluster, 0)
