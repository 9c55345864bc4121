"""`status --fleet` and `doctor --fleet` over three clusters: the platform and a workload cluster on two API
servers at once, and a registered cluster whose server is down. Each stack is followed from its request on
the platform to its agents on the cluster it names."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kube.emulator import EmulatorThread, closed_port_url
from tests.objects import (
    argocd_application_crd,
    daemonset,
    datadog_stack_crd,
    flux_crds,
    kubeconfig_with,
    namespace,
    placement_of,
    platform_destination_objects,
    reconciled,
    registered_cluster,
    stack,
    workload_helm_release,
    workloads_application,
    workplacement_crd,
)
from tests.tasks.inprocess import TaskRunner

TARGET = "datadog-team-a-production-abc123"
DEAD = closed_port_url()


@pytest.fixture
def workload() -> Iterator[EmulatorThread]:
    with EmulatorThread() as server:
        yield server


@pytest.fixture
def kubeconfig(kube: EmulatorThread, workload: EmulatorThread, tmp_path: Path) -> Path:
    """`platform` (current), `payments` (the workload cluster), `billing` (registered, but its server is down)."""
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(kubeconfig_with({"platform": kube.url, "payments": workload.url, "billing": DEAD}, "platform"))
    return path


@pytest.fixture
def fleet(kube: EmulatorThread, workload: EmulatorThread) -> None:
    """What each side's controllers wrote: a stack for payments, reconciled and written to Git on the platform,
    its folder synced by Argo CD; its HelmRelease ready and its agents 2/3 ready on payments."""
    kube.install_crd(datadog_stack_crd(), argocd_application_crd(), workplacement_crd(), *flux_crds())
    kube.seed(
        namespace("argocd"),
        namespace("team-a"),
        *platform_destination_objects(),
        *registered_cluster("payments", workload.url),
        *registered_cluster("billing", DEAD),
        workloads_application("payments", workload.url),
        stack("production", clusterName="payments", status=reconciled(TARGET)),
        placement_of("production", "team-a", "payments"),
    )
    workload.install_crd(*flux_crds())
    labels = {  # as the pipeline labels what it writes (datadog_configure.naming.labels)
        "kratix.io/promise-name": "datadog-stack",
        "kratix.io/resource-name": "production",
        "kratix.io/resource-namespace": "team-a",
    }
    workload.seed(namespace(TARGET, labels), workload_helm_release(TARGET), daemonset(TARGET, desired=3, ready=2))


def test_status_follows_each_stack_to_the_agents_on_its_cluster_and_names_the_cluster_that_is_down(
    fleet: None, kube_tasks: TaskRunner, workload: EmulatorThread
) -> None:
    run = kube_tasks("status", "--fleet", "--output", "json")

    assert run.code == 12  # a cluster could not be read; the others were
    data = json.loads(run.stdout)
    contexts = {c["context"]: c for c in data["contexts"]}
    assert set(contexts) == {"platform", "payments", "billing"}
    assert contexts["billing"]["error"] is not None and contexts["payments"]["error"] is None
    assert contexts["payments"]["server"] == workload.url
    assert contexts["payments"]["sections"]["helmReleases"]["items"][0]["ready"] == "True"
    # The agents of the payments stack are listed where they run, not as 0/0 on the platform.
    assert contexts["platform"]["sections"]["datadogAgents"]["items"] == []
    (agents,) = contexts["payments"]["sections"]["datadogAgents"]["items"]
    assert agents["agents"] == "2/3"
    (follow,) = contexts["platform"]["sections"]["fleetStacks"]["items"]
    assert follow == {
        "context": "payments",
        "cluster": "payments",
        "namespace": "team-a",
        "name": "production",
        "request": "Reconciled",
        "placement": "1/1 written to payments",
        "sync": "Synced/Healthy",
        "helmRelease": "True (InstallSucceeded)",
        "agents": "2/3",
        "stuck": "agents",
    }


def test_the_table_has_a_row_per_cluster_and_the_stacks_across_the_fleet(
    fleet: None, kube_tasks: TaskRunner, workload: EmulatorThread
) -> None:
    run = kube_tasks("status", "--fleet")

    lines = run.stdout.splitlines()
    assert any(line.split()[:4] == ["billing", "error:", "cannot", "reach"] for line in lines)
    assert any(line.split()[:2] == ["payments", workload.url] for line in lines)
    follow = lines[lines.index("DatadogStacks across the fleet") + 2].split()
    assert follow[:5] == ["payments", "payments", "team-a", "production", "Reconciled"]
    assert follow[-2:] == ["2/3", "agents"]


def test_doctor_makes_the_unreachable_cluster_one_finding_and_still_reads_the_rest(
    fleet: None, kube_tasks: TaskRunner, workload: EmulatorThread
) -> None:
    workload.seed(workload_helm_release(TARGET, ready=False, message="install retries exhausted"))

    run = kube_tasks("doctor", "--fleet", "--output", "json", "--check", "helmrelease-not-ready")

    assert run.code == 2  # the picture is incomplete: a cluster could not be read (fail closed)
    data = json.loads(run.stdout)
    assert data["unreadable"] == []  # the platform and the reachable cluster were read
    by_check = {f["check"]: f for f in data["findings"]}
    unreachable = by_check["cluster-unreachable"]
    assert (unreachable["context"], unreachable["object"]["name"]) == ("billing", "billing")
    assert by_check["helmrelease-not-ready"]["context"] == "payments"


def test_a_workload_cluster_is_not_expected_to_run_kratix(fleet: None, kube_tasks: TaskRunner) -> None:
    run = kube_tasks("doctor", "--fleet", "--output", "json", "--check", "kratix-controller-down")

    assert {f["context"] for f in json.loads(run.stdout)["findings"]} == {"platform", "billing"}


def test_the_fleet_costs_about_its_slowest_cluster_not_the_sum(
    fleet: None, kube_tasks: TaskRunner, kube: EmulatorThread, workload: EmulatorThread
) -> None:
    kube_tasks("status", "--context", "payments")  # warm: imports and the first connections are not what is measured
    # Latency large enough that waiting on the servers, not parsing on a busy machine, is what is measured.
    kube.set_latency(0.5)
    workload.set_latency(0.5)

    def seconds(*args: str) -> float:
        started = time.monotonic()
        kube_tasks("status", *args, "--output", "json")
        return time.monotonic() - started

    alone = [seconds("--context", name) for name in ("platform", "payments", "billing")]
    together = seconds("--fleet")

    # One request more than the slowest (which clusters Argo CD knows), far less than one cluster after the other.
    assert together < 0.8 * sum(alone), (together, alone)


def test_a_registered_cluster_no_context_reaches_is_one_row(
    fleet: None, kube: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    kube.seed(*registered_cluster("search", "https://search.example:6443"))

    run = kube_tasks("status", "--fleet", "--output", "json")

    contexts = {c["context"]: c for c in json.loads(run.stdout)["contexts"]}
    assert "no kubeconfig context points at https://search.example:6443" in contexts["cluster/search"]["error"]
