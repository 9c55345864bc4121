"""`invoke cluster.add|remove|list` with two API servers at once: the platform cluster (Kratix, Argo CD) and a
workload cluster, reached through a kubeconfig with a context for each (and one for a dead server)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws import MotoServer
from tests.kube.emulator import EmulatorThread, closed_port_url
from tests.objects import (
    agents_daemonset,
    argocd_application_crd,
    cluster_agent_deployment,
    datadog_stack_crd,
    fleet_destination,
    kubeconfig_with,
    namespace,
    platform_destination_objects,
    reconciled,
    registered_cluster,
    stack,
    workplacement_crd,
    workplacement_to,
)
from tests.ops.platform.test_kubeconfig import create_cluster
from tests.programs import OUTPUTS, Programs
from tests.tasks.inprocess import TaskRunner

ARGOCD_API = "argoproj.io/v1alpha1"
APPS = ("payments-flux", "payments-external-secrets", "payments-secret-store", "payments-workloads")
ADDED = [
    "Secret argocd/cluster-payments created",
    "Application argocd/payments-flux created",
    "Application argocd/payments-external-secrets created",
    "Application argocd/payments-secret-store created",
    "Destination payments created",
    "Application argocd/payments-workloads created",
]


@pytest.fixture
def workload() -> Iterator[EmulatorThread]:
    """The workload cluster's API server, beside the platform's (`kube`)."""
    with EmulatorThread() as server:
        yield server


@pytest.fixture
def kubeconfig(kube: EmulatorThread, workload: EmulatorThread, tmp_path: Path) -> Path:
    """Contexts `platform` (current), `payments` (the workload cluster) and `dead` (nothing listens)."""
    path = tmp_path / "kubeconfig.yaml"
    servers = {"platform": kube.url, "payments": workload.url, "dead": closed_port_url()}
    path.write_text(kubeconfig_with(servers, current="platform"))
    return path


@pytest.fixture
def platform(kube: EmulatorThread) -> EmulatorThread:
    """Kratix with the platform Destination, Argo CD and the Promise's API on the platform cluster."""
    kube.install_crd(datadog_stack_crd(), argocd_application_crd(), workplacement_crd())
    kube.seed(namespace("argocd"), namespace("team-a"), *platform_destination_objects())
    kube.forget_requests()
    return kube


def decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_add_registers_the_cluster_and_a_second_run_changes_nothing(
    platform: EmulatorThread, workload: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    first = kube_tasks("cluster.add", "payments", "--context", "payments")
    platform.forget_requests()
    second = kube_tasks("cluster.add", "payments", "--context", "payments")

    assert first.code == 0, first.stderr
    assert first.stdout.splitlines() == ADDED
    assert f"cluster payments: {workload.url}, Argo CD access by bearer token" in first.stderr
    assert second.code == 0, second.stderr
    assert second.stdout.splitlines() == [line.replace("created", "unchanged") for line in ADDED]
    assert platform.writes() == []
    assert "token-payments" not in first.stdout + first.stderr + second.stdout + second.stderr

    secret = platform.get("v1", "Secret", "cluster-payments", "argocd")
    assert secret is not None
    assert secret["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "cluster"
    data = decoded(secret)
    assert (data["name"], data["server"]) == ("payments", workload.url)
    assert json.loads(data["config"]) == {"bearerToken": "token-payments", "tlsClientConfig": {"insecure": False}}

    destination = platform.get("platform.kratix.io/v1alpha1", "Destination", "payments")
    assert destination is not None
    assert destination["metadata"]["labels"] == {"kratix-ops/cluster": "payments"}
    assert destination["spec"]["path"] == "clusters/payments"
    assert destination["spec"]["stateStoreRef"] == {"kind": "GitStateStore", "name": "default"}

    apps = {name: platform.get(ARGOCD_API, "Application", name, "argocd") for name in APPS}
    assert all(app is not None for app in apps.values())
    assert {app["spec"]["destination"]["server"] for app in apps.values() if app} == {workload.url}
    workloads = apps["payments-workloads"]
    assert workloads is not None and workloads["spec"]["source"]["path"] == "gitops/clusters/payments"
    store = apps["payments-secret-store"]
    assert store is not None and store["spec"]["source"]["path"] == "gitops/argocd/charts/cluster-secret-store"
    assert store["spec"]["source"]["helm"]["valuesObject"]["secretStore"]["region"] == "eu-central-1"
    flux = apps["payments-flux"]
    assert flux is not None and flux["spec"]["source"]["chart"] == "flux2"


def test_a_dry_run_shows_the_secret_redacted_and_writes_nothing(
    platform: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    run = kube_tasks(
        "cluster.add", "payments", "--context", "payments", "--dry-run", "--eso-role-arn", "arn:aws:iam::1:role/e"
    )

    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[: len(ADDED)] == [line.replace("created", "would be created") for line in ADDED]
    assert "config: '<redacted: bearerToken, tlsClientConfig>'" in run.stdout
    assert "token-payments" not in run.stdout + run.stderr
    assert platform.writes() == []


def test_an_unreachable_cluster_is_not_registered(platform: EmulatorThread, kube_tasks: TaskRunner) -> None:
    run = kube_tasks("cluster.add", "broken", "--context", "dead")

    assert run.code == 12
    assert run.stderr.startswith("error: ")
    assert platform.requests == []  # the workload cluster is asked first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kratix-demo", "--context", "payments"), "error: NAME: 'kratix-demo' is not allowed; another name"),
        (("Payments", "--context", "payments"), "error: NAME: 'Payments' is not allowed; dot-separated lowercase"),
        (("payments", "--context", "payments", "--eks", "x"), "error: --eks: 'x' is not allowed; not together with"),
        (("payments", "--context", "nope"), "error: no context 'nope' in kubeconfig"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    platform: EmulatorThread, kube_tasks: TaskRunner, args: tuple[str, ...], message: str
) -> None:
    run = kube_tasks("cluster.add", *args)

    assert run.code in {2, 11}
    assert run.stderr.startswith(message)
    assert platform.requests == []


def test_without_argo_cd_nothing_is_written(kube: EmulatorThread, kube_tasks: TaskRunner) -> None:
    kube.seed(*platform_destination_objects())

    run = kube_tasks("cluster.add", "payments", "--context", "payments")

    assert run.code == 14
    assert "does not serve Application (argoproj.io)" in run.stderr
    assert kube.writes() == []


def test_remove_is_refused_while_stacks_name_the_cluster_or_are_scheduled_to_it(
    platform: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    assert kube_tasks("cluster.add", "payments", "--context", "payments").code == 0
    platform.seed(stack(clusterName="payments"), workplacement_to("payments"))
    platform.forget_requests()

    run = kube_tasks("cluster.remove", "payments", "--yes")

    assert run.code == 1
    assert run.stderr == (
        "error: cluster payments is in use: DatadogStacks team-a/production name it (spec.clusterName); "
        "WorkPlacements team-a/production-instance-configure-5058f are scheduled to its Destination; "
        "delete them first (`invoke datadog.delete`)\n"
    )
    assert platform.writes() == []


def test_remove_asks_then_deletes_what_add_created_and_a_second_run_has_nothing_to_do(
    platform: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    assert kube_tasks("cluster.add", "payments", "--context", "payments").code == 0

    unasked = kube_tasks("cluster.remove", "payments")
    dry = kube_tasks("cluster.remove", "payments", "--dry-run")
    removed = kube_tasks("cluster.remove", "payments", "--yes")
    again = kube_tasks("cluster.remove", "payments", "--yes")

    assert unasked.code == 20
    assert dry.code == 0 and "Destination payments would be deleted" in dry.stdout
    assert removed.code == 0, removed.stderr
    assert removed.stdout.splitlines() == [
        "Application argocd/payments-workloads deleted",
        "Destination payments deleted",
        "Application argocd/payments-secret-store deleted",
        "Application argocd/payments-external-secrets deleted",
        "Application argocd/payments-flux deleted",
        "Secret argocd/cluster-payments deleted",
    ]
    assert platform.get("v1", "Secret", "cluster-payments", "argocd") is None
    assert platform.get("platform.kratix.io/v1alpha1", "Destination", "platform") is not None
    # Argo CD's resources finalizer holds the component Applications until it has cleaned the cluster.
    assert again.code == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"Application argocd/payments-{app} being deleted (finalizers resources-finalizer.argocd.argoproj.io)"
        for app in ("secret-store", "external-secrets", "flux")
    ]


def test_list_shows_each_cluster_its_readiness_sync_and_stacks(
    platform: EmulatorThread, workload: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    assert kube_tasks("cluster.add", "payments", "--context", "payments").code == 0
    platform.seed(
        fleet_destination("payments", ready=False),  # what Kratix reports once it tried to write
        stack("production", clusterName="payments"),
        stack("staging", clusterName="payments"),
        stack("ops", clusterName="kratix-demo"),
    )

    table = kube_tasks("cluster.list")
    listed = kube_tasks("cluster.list", "--output", "json")

    assert table.code == 0, table.stderr
    assert "kratix-demo" in table.stdout and "payments" in table.stdout
    members = {m["cluster"]: m for m in json.loads(listed.stdout)}
    assert members["kratix-demo"] == {
        "cluster": "kratix-demo",
        "destination": "platform",
        "path": "platform",
        "ready": "True",
        "server": "https://kubernetes.default.svc",
        "application": "-",
        "sync": "-",
        "health": "-",
        "stacks": 1,
    }
    assert members["payments"]["ready"] == "False (StateStoreWriteFailed)"
    assert (members["payments"]["server"], members["payments"]["application"]) == (workload.url, "payments-workloads")
    assert members["payments"]["stacks"] == 2


def test_removing_a_cluster_that_is_not_registered_says_so(platform: EmulatorThread, kube_tasks: TaskRunner) -> None:
    run = kube_tasks("cluster.remove", "billing", "--yes")

    assert (run.code, run.stdout) == (0, "cluster billing is not registered: nothing to remove\n")
    assert platform.writes() == []


def test_a_stack_on_a_workload_cluster_is_followed_to_its_agents_there(
    platform: EmulatorThread, workload: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    target = "datadog-team-a-production-abc123"
    assert kube_tasks("cluster.add", "payments", "--context", "payments").code == 0
    platform.seed(stack(clusterName="payments", status=reconciled(target)))
    workload.seed(namespace(target), agents_daemonset(target), cluster_agent_deployment(target))

    run = kube_tasks("datadog.minimal", "--name", "production", "--namespace", "team-a", "--cluster", "payments")

    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == [
        "DatadogStack team-a/production: unchanged (tier minimal)",
        f"DatadogStack team-a/production is ready on cluster payments: namespace {target}: "
        "DaemonSet datadog 3/3 ready, Deployment datadog-cluster-agent 1/1 ready",
    ]
    assert platform.get("apps/v1", "DaemonSet", "datadog", target) is None  # read where the agents run


def test_a_workload_cluster_no_context_reaches_cannot_be_followed(
    platform: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    platform.seed(*registered_cluster("search", "https://search.example:6443"))

    run = kube_tasks("datadog.minimal", "--name", "production", "--namespace", "team-a", "--cluster", "search")

    assert run.code == 11
    assert run.stdout == "DatadogStack team-a/production: created (tier minimal)\n"
    assert run.stderr == (
        "error: cannot follow the agents on cluster search: no kubeconfig context points at its server "
        "https://search.example:6443; add a context for it, or pass --no-wait\n"
    )


def test_an_eks_cluster_is_registered_with_iam_and_no_token(
    moto_server: MotoServer, platform: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    create_cluster("payments-eu")
    role = "arn:aws:iam::123456789012:role/argocd-payments-eu"

    run = kube_tasks("cluster.add", "payments-eu", "--eks", "payments-eu", "--role-arn", role)

    assert run.code == 0, run.stderr
    assert f"Argo CD access by IAM (EKS cluster payments-eu, role {role})" in run.stderr
    secret = platform.get("v1", "Secret", "cluster-payments-eu", "argocd")
    assert secret is not None
    config = json.loads(decoded(secret)["config"])
    assert config["awsAuthConfig"] == {"clusterName": "payments-eu", "roleARN": role}
    assert "bearerToken" not in config and config["tlsClientConfig"]["insecure"] is False
    assert decoded(secret)["server"].startswith("https://")


IAC_CLUSTER = {
    "cluster_name": "kratix-demo-payments",
    "region": "eu-central-1",
    "endpoint": "https://ABCDEF.gr7.eu-central-1.eks.amazonaws.com",
    "certificate_authority_data": "Q0EgZGF0YQ==",
    "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
    "eso_role_arn": "arn:aws:iam::123456789012:role/kratix-demo-payments-external-secrets",
    "endpoint_public_access": False,
}


def test_without_context_or_eks_the_cluster_iac_created_is_registered_from_its_outputs(
    programs: Programs, platform: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    programs.set_outputs({**OUTPUTS, "workload_clusters": {"payments": IAC_CLUSTER}})

    run = kube_tasks("cluster.add", "payments")

    assert run.code == 0, run.stderr
    assert programs.argvs("tofu") == [["output", "-json"]]
    secret = platform.get("v1", "Secret", "cluster-payments", "argocd")
    assert secret is not None
    data = decoded(secret)
    assert data["server"] == IAC_CLUSTER["endpoint"]
    assert json.loads(data["config"]) == {
        "awsAuthConfig": {"clusterName": "kratix-demo-payments"},
        "tlsClientConfig": {"insecure": False, "caData": "Q0EgZGF0YQ=="},
    }
    eso = platform.get(ARGOCD_API, "Application", "payments-external-secrets", "argocd")
    assert eso is not None
    account = eso["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"]
    assert account["annotations"] == {"eks.amazonaws.com/role-arn": IAC_CLUSTER["eso_role_arn"]}


@pytest.mark.parametrize(
    ("outputs", "code", "message"),
    [
        (
            {"workload_clusters": {"billing": IAC_CLUSTER}},
            2,
            "error: NAME: 'payments' is not allowed; a workload cluster of iac/ (billing), or pass --context or --eks",
        ),
        ({}, 17, "error: iac/ has no output workload_clusters"),
    ],
)
def test_a_cluster_iac_did_not_create_is_refused(  # noqa: PLR0917 - parametrized
    programs: Programs,
    platform: EmulatorThread,
    kube_tasks: TaskRunner,
    outputs: dict[str, Any],
    code: int,
    message: str,
) -> None:
    programs.set_outputs({**OUTPUTS, **outputs})

    run = kube_tasks("cluster.add", "payments")

    assert run.code == code
    said = run.stderr.splitlines()
    assert said[0] == "$ cd iac && tofu output -json"
    assert said[-1].startswith(message)
    assert platform.requests == []


def test_deleting_a_stack_waits_for_its_namespace_on_the_cluster_it_ran_on(
    platform: EmulatorThread, workload: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    target = "datadog-team-a-production-abc123"
    assert kube_tasks("cluster.add", "payments", "--context", "payments").code == 0
    platform.seed(stack(clusterName="payments", status=reconciled(target)))
    workload.seed(namespace(target))  # Argo CD prunes it there once Kratix removed the files; here it stays

    run = kube_tasks("datadog.delete", "--name", "production", "--namespace", "team-a", "--yes", "--timeout", "1")

    assert run.code == 18
    assert f"Namespace {target} on cluster payments" in run.stderr
    assert platform.get("platform.srekubecraft.io/v1alpha1", "DatadogStack", "production", "team-a") is None
