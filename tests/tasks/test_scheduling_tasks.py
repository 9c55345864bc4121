"""Scheduling by cluster from the command line: `datadog.*` refuses a cluster with no Destination, and
`pipeline.run --write` lays a request out under its cluster's Destination path."""

from __future__ import annotations

from pathlib import Path

from tests.kube.emulator import EmulatorThread
from tests.objects import datadog_stack_crd, fleet_destination, namespace, platform_destination_objects
from tests.tasks.inprocess import TaskRunner


def test_a_stack_for_a_cluster_with_no_destination_is_refused_in_one_line(
    kube: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    kube.install_crd(datadog_stack_crd())
    kube.seed(namespace("team-a"), *platform_destination_objects(), fleet_destination("payments"))
    kube.forget_requests()

    run = kube_tasks("datadog.standard", "--name", "production", "--namespace", "team-a", "--cluster", "billing")

    assert run.code == 2
    assert run.stderr == (
        "error: spec.clusterName: 'billing' is not allowed; a cluster with a Kratix Destination: kratix-demo, "
        "payments; `invoke cluster.add billing` registers it\n"
    )
    assert kube.writes() == []


def test_write_lays_a_workload_cluster_s_request_under_its_path(tmp_path: Path, kube_tasks: TaskRunner) -> None:
    run = kube_tasks("pipeline.run", "--name", "production", "--cluster", "payments", "--write", str(tmp_path))

    assert run.code == 0, run.stderr
    folder = tmp_path / "gitops/clusters/payments/resources/default/datadog-stack/production/instance-configure/5058f"
    assert sorted(p.name for p in folder.iterdir()) == [
        "external-secret.yaml",
        "helm-release.yaml",
        "helm-repository.yaml",
        "namespace.yaml",
    ]
    assert not (tmp_path / "gitops" / "platform").exists()
