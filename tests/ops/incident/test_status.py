"""The platform status: SRE column names, "not installed", several contexts, the same fields in JSON."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from ops.config import Settings
from ops.errors import ExitCode
from ops.incident.snapshot import ContextRead, take_snapshots
from ops.incident.status import STATUS_KINDS, PlatformStatus, platform_status, status_reads
from ops.kube import KubeTarget, connect
from ops.render.console import Consoles
from ops.render.status import render_status, status_data
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    Stack,
    agent_pods,
    app_condition,
    argocd_app,
    eso_crds,
    flux_crds,
    healthy_platform,
    install_failed,
    platform_crds,
    replace,
    stack_external_secret,
    unschedulable,
    workplacement,
)
from tests.snapshots import QUICK, read

PROD = Stack("production", "team-a", tier="full", env="prod")
SANDBOX = Stack("sandbox", "team-b")


def status_of(*reads: ContextRead) -> PlatformStatus:
    return platform_status(reads)


def table_text(status: PlatformStatus) -> str:
    out = io.StringIO()
    consoles = Consoles(out=Console(file=out, width=250, no_color=True), err=Console(file=io.StringIO()))
    render_status(status, "table", consoles)
    return out.getvalue()


def broken_platform() -> list[dict[str, object]]:
    objects = healthy_platform([PROD, SANDBOX])
    objects = replace(
        objects, argocd_app("kratix-config", sync="Unknown", conditions=[app_condition("ComparisonError", "boom")])
    )
    objects = replace(objects, install_failed(PROD, "context deadline exceeded"))
    objects = replace(objects, stack_external_secret(SANDBOX, ready=False))
    objects = replace(objects, workplacement(SANDBOX, write_error="authentication required"))
    objects = replace(objects, unschedulable(agent_pods(PROD)[0], "0/2 nodes are available: 2 Insufficient memory."))
    return objects


def test_sections_use_the_columns_of_the_tools_sres_know(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    snap = read(kube, kubeconfig, settings, broken_platform(), needs=STATUS_KINDS)
    status = status_of(ContextRead("kind-a", snap))
    sections = {s.key: s for s in status.clusters[0].sections}

    assert [h for h, _ in sections["applications"].columns] == [
        "NAMESPACE", "NAME", "PROJECT", "STATUS", "HEALTH", "SYNCPOLICY", "CONDITIONS", "MESSAGE",
    ]  # fmt: skip
    assert [h for h, _ in sections["helmReleases"].columns] == [
        "NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE",
    ]  # fmt: skip
    assert [h for h, _ in sections["externalSecrets"].columns] == [
        "NAMESPACE", "NAME", "STORE", "REFRESH INTERVAL", "STATUS", "READY",
    ]  # fmt: skip
    app = next(r for r in sections["applications"].rows if r["name"] == "kratix-config")
    assert (app["sync"], app["health"], app["syncPolicy"], app["conditions"], app["message"]) == (
        "Unknown", "Healthy", "Auto-Prune", "ComparisonError", "boom",
    )  # fmt: skip
    release = next(r for r in sections["helmReleases"].rows if r["namespace"] == PROD.target)
    assert (release["ready"], release["suspended"]) == ("False", "False")
    assert release["message"].endswith("with chart datadog@3.240.0: context deadline exceeded")
    es = next(r for r in sections["externalSecrets"].rows if r["namespace"] == SANDBOX.target)
    assert (es["store"], es["refreshInterval"], es["status"], es["ready"]) == (
        "aws-secrets-manager", "1h", "SecretSyncedError", "False",
    )  # fmt: skip
    stacks = {r["name"]: r for r in sections["datadogStacks"].rows}
    assert (stacks["production"]["tier"], stacks["production"]["environment"], stacks["production"]["status"]) == (
        "full", "prod", "Reconciled",
    )  # fmt: skip
    [placement] = sections["workPlacementsNotReady"].rows
    assert (placement["destination"], placement["status"], placement["message"]) == (
        "platform", "Failing", "authentication required",
    )  # fmt: skip
    assert sections["workPlacementsNotReady"].total == 2
    agents = {r["namespace"]: r for r in sections["datadogAgents"].rows}
    assert agents[PROD.target] == {
        "context": "kind-a", "namespace": PROD.target, "stack": "team-a/production",
        "agents": "2/2", "clusterAgent": "1/1", "restarts": 0,
    }  # fmt: skip
    controller = sections["kratixController"].rows[0]
    assert (controller["name"], controller["ready"]) == ("kratix-platform-controller-manager", "1/1")
    assert (status.clusters[0].nodes_ready, status.clusters[0].nodes_total) == (2, 2)


def test_a_component_whose_crds_are_missing_is_shown_as_not_installed(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    missing = {c["metadata"]["name"] for c in [*flux_crds(), *eso_crds()]}
    crds = [c for c in platform_crds() if c["metadata"]["name"] not in missing]
    gone = {"HelmRelease", "HelmRepository", "ExternalSecret", "ClusterSecretStore"}
    objects = [o for o in healthy_platform([PROD]) if o["kind"] not in gone]
    snap = read(kube, kubeconfig, settings, objects, crds=crds, needs=STATUS_KINDS)

    status = status_of(ContextRead("kind-a", snap))

    sections = {s.key: s for s in status.clusters[0].sections}
    assert not sections["helmReleases"].installed and not sections["externalSecrets"].installed
    assert status.exit_code == ExitCode.OK
    text = table_text(status)
    assert "Flux HelmReleases\nnot installed (HelmRelease, helm.toolkit.fluxcd.io)" in text
    assert "External Secrets\nnot installed (ExternalSecret, external-secrets.io)" in text


def test_several_contexts_are_read_at_once_and_every_row_names_its_context(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform([PROD]))
    clients = [connect(KubeTarget(kubeconfig, name), retry=QUICK) for name in ("kind-a", "kind-b", "dead")]

    status = platform_status(take_snapshots(clients, status_reads(settings)))

    assert [c.context for c in status.clusters] == ["kind-a", "kind-b", "dead"]
    assert status.exit_code == ExitCode.API_UNREACHABLE
    text = table_text(status)
    assert text.splitlines()[0].split() == ["CONTEXT", "SERVER", "VERSION", "NODES", "READY"]
    assert "dead      error: cannot reach the Kubernetes API at http://127.0.0.1:" in text
    header = next(line for line in text.splitlines() if line.startswith("CONTEXT") and "SYNCPOLICY" in line)
    assert header.split()[:3] == ["CONTEXT", "NAMESPACE", "NAME"]
    assert sum(1 for line in text.splitlines() if line.startswith("kind-b ") and "Auto-Prune" in line) == 7
    for client in clients:
        client.close()


def test_the_json_rows_have_exactly_the_fields_of_the_table_columns(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    snap = read(kube, kubeconfig, settings, broken_platform(), needs=STATUS_KINDS)
    status = status_of(ContextRead("kind-a", snap))

    data = status_data(status)

    [cluster] = data["contexts"]
    assert (cluster["context"], cluster["nodes"], cluster["error"]) == ("kind-a", {"ready": 2, "total": 2}, None)
    for section in status.clusters[0].sections:
        doc = cluster["sections"][section.key]
        assert (doc["kind"], doc["installed"], doc["error"]) == (section.kind, True, None)
        for item in doc["items"]:
            assert set(item) == {"context"} | {key for _, key in section.columns}, section.key
