"""One read per kind per context, concurrently; absent groups are "not installed"; secrets are key names."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from ops.config import Settings
from ops.errors import ExitCode
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import reads_for
from ops.incident.snapshot import (
    EXTRA_READS,
    MAX_LOG_TAILS,
    TROUBLED_PODS,
    Reads,
    kind_specs,
    take_snapshot,
    take_snapshots,
)
from ops.incident.status import STATUS_KINDS, status_reads
from ops.kube import KubeTarget, connect
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    KRATIX_NS,
    Stack,
    agent_pods,
    event,
    failed_pipeline_pod,
    flux_crds,
    healthy_platform,
    helm_release,
    platform_crds,
)
from tests.snapshots import QUICK, read

STACKS = [Stack("production", "team-a", tier="full", env="prod"), Stack("sandbox", "team-b")]


def test_each_kind_is_listed_once_and_discovery_runs_once(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    specs = kind_specs(settings.api_group, settings.promise_name)
    read(kube, kubeconfig, settings, healthy_platform(STACKS), needs={*specs, *EXTRA_READS})
    requests = kube.requests

    for spec in specs.values():
        selectors = [q.get("labelSelector") for q in kube.queries(spec.path)]
        # a healthy platform has no namespace in trouble: no pods beyond the selector listings
        for selector in spec.parts or (spec.label_selector,):  # a listing in parts: each part once
            assert selectors.count(selector) == (0 if spec.key == TROUBLED_PODS else 1), (spec.key, selector)
    others = sorted(r for r in requests if r[1] not in {s.path for s in specs.values()})
    # discovery, the version, and the one Secret the GitStateStore names (no failing pipeline: no log)
    assert others == [
        ("GET", "/api/v1/namespaces/kratix-platform-system/secrets/git-credentials"),
        ("GET", "/apis/"),
        ("GET", "/version"),
    ]


def test_the_kinds_are_read_concurrently(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform(STACKS))
    kube.set_latency(0.25)
    reads = reads_for(all_checks(), settings)
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        started = time.perf_counter()
        snap = take_snapshot(client, reads)
        elapsed = time.perf_counter() - started

    # three rounds (discovery with the core kinds, the custom kinds, the named Secret) instead of 25 in a row
    assert len(kube.requests) == 25
    assert elapsed < 6 * 0.25, elapsed
    assert len(snap.items("datadogstacks")) == 2


def test_a_group_the_cluster_does_not_serve_is_not_installed_and_not_requested(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    flux = {c["metadata"]["name"] for c in flux_crds()}
    crds = [c for c in platform_crds() if c["metadata"]["name"] not in flux]
    objects = [o for o in healthy_platform(STACKS) if o["kind"] not in {"HelmRelease", "HelmRepository"}]

    snap = read(kube, kubeconfig, settings, objects, crds=crds)

    listing = snap.listing("helmreleases")
    assert (listing.installed, listing.error, listing.items) == (False, None, ())
    assert snap.installed("externalsecrets")
    assert not any("fluxcd.io" in path for _, path in kube.requests)


def test_only_warning_events_are_listed(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> None:
    objects = [*healthy_platform(), event("Pod", "team-a", "web-1", "BackOff", "Back-off restarting failed container")]

    snap = read(kube, kubeconfig, settings, objects, needs={"events"})

    assert [e["reason"] for e in snap.items("events")] == ["BackOff"]
    assert snap.warning_events("Pod", "team-a", "web-1")[0]["message"] == "Back-off restarting failed container"


def test_secrets_are_read_by_name_and_kept_as_key_names_only(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    snap = read(kube, kubeconfig, settings, healthy_platform(STACKS))

    secret = snap.secret(KRATIX_NS, "git-credentials")
    assert secret is not None and (secret.found, secret.keys) == (True, ("password", "username"))
    assert "ghp_" not in repr(snap) and "x-access-token" not in repr(snap)
    assert kube.count("GET", "/api/v1/secrets") == 0


def test_log_tails_are_read_for_failing_pipeline_containers_only_and_bounded(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    failed = [Stack(f"s{i:02d}", "team-a", state="failed") for i in range(MAX_LOG_TAILS + 5)]
    objects = [*healthy_platform([*STACKS, *failed]), *(failed_pipeline_pod(s, "boom") for s in failed)]
    for s in failed:
        kube.set_pod_log("team-a", s.pipeline_pod, "step 1\nERROR: boom\n", container="datadog-configure")

    snap = read(kube, kubeconfig, settings, objects)

    log_requests = [path for _, path in kube.requests if path.endswith("/log")]
    assert len(log_requests) == MAX_LOG_TAILS
    tail = next(iter(snap.logs.values()))
    assert (tail.container, tail.lines, tail.previous) == ("datadog-configure", ("step 1", "ERROR: boom"), True)


def test_what_no_reader_reads_is_dropped_as_the_page_arrives(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    stack = STACKS[0].manifest()
    stack["metadata"]["managedFields"] = [{"manager": "kubectl", "operation": "Apply", "fieldsV1": {"f:spec": {}}}]
    stack["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "team": "a"}
    [agent, healthy, *_] = agent_pods(STACKS[0])
    agent["status"]["containerStatuses"][0]["restartCount"] = 1  # a pod a check looks into: every read field kept
    container = agent["spec"]["containers"][0]
    container |= {"env": [{"name": "DD_API_KEY", "valueFrom": {}}], "volumeMounts": [{"name": "proc"}], "args": ["x"]}
    agent["spec"]["volumes"] = [{"name": "proc", "hostPath": {"path": "/proc"}}]
    agent["status"]["podIPs"] = [{"ip": "10.0.1.7"}]
    release = helm_release(STACKS[0])
    release["status"]["history"] = [{"chartVersion": "3.240.0"}, {"chartVersion": "3.239.0"}]

    snap = read(kube, kubeconfig, settings, [*healthy_platform(), stack, agent, healthy, release])  # doctor's reads

    [item] = [s for s in snap.items("datadogstacks") if s["metadata"]["name"] == STACKS[0].name]
    assert "managedFields" not in item["metadata"] and "annotations" not in item["metadata"]
    assert item["spec"] == stack["spec"] and item["metadata"]["labels"] == stack["metadata"]["labels"]
    [pod] = [p for p in snap.pods() if p["metadata"]["name"] == agent["metadata"]["name"]]
    assert pod["spec"]["containers"][0] == {k: container[k] for k in ("name", "image", "resources")}
    assert "volumes" not in pod["spec"] and "podIPs" not in pod["status"]
    assert pod["spec"]["nodeName"] == agent["spec"]["nodeName"]
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 1
    assert pod["metadata"]["ownerReferences"] == agent["metadata"]["ownerReferences"]
    # a healthy pod (Running, Ready, never restarted) keeps its skeleton: who, where, what runs, ready
    [skeleton] = [p for p in snap.pods() if p["metadata"]["name"] == healthy["metadata"]["name"]]
    assert skeleton["spec"]["containers"][0] == {"name": "agent", "image": container["image"]}
    assert skeleton["spec"]["nodeName"] == healthy["spec"]["nodeName"]
    assert {s["name"]: (s["ready"], s["restartCount"]) for s in skeleton["status"]["containerStatuses"]} == {
        s["name"]: (True, 0) for s in healthy["status"]["containerStatuses"]
    }
    assert "state" not in skeleton["status"]["containerStatuses"][0]
    [kept_release] = [r for r in snap.items("helmreleases") if r["metadata"]["namespace"] == STACKS[0].target]
    assert kept_release["status"]["history"] == [{"chartVersion": "3.240.0"}]


def test_status_keeps_only_the_fields_its_columns_read(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    snap = read(kube, kubeconfig, settings, healthy_platform(STACKS), needs=STATUS_KINDS)

    [stack] = [s for s in snap.items("datadogstacks") if s["metadata"]["name"] == STACKS[0].name]
    assert set(stack["metadata"]) == {"name", "namespace", "creationTimestamp"}
    assert stack["spec"] == {
        "tier": "full",
        "environment": "prod",
        "clusterName": STACKS[0].manifest()["spec"]["clusterName"],
    }
    pod = next(p for p in snap.pods() if p["metadata"]["namespace"] == STACKS[0].target)
    assert set(pod) == {"apiVersion", "kind", "metadata", "status"}
    assert {c["type"] for c in pod["status"]["conditions"]} >= {"Ready"}
    # one object for each repeated string: the agents' condition status is the same "True" everywhere
    trues = {id(c["status"]) for p in snap.pods() for c in p["status"]["conditions"]}
    assert len(trues) == 1
    # and one object for equal projections: every healthy agent pod's status is the same dict
    assert len({id(p["status"]) for p in snap.pods()}) == 1
    assert snap.pods()[0]["status"] == {
        "conditions": [{"type": "Ready", "status": "True", "reason": "", "message": ""}]
    }
    # the Works that are Ready are counted, not kept: status shows only the others
    assert (snap.items("works"), snap.listing("works").total) == ((), len(STACKS))


def test_an_unreadable_context_is_an_error_of_its_own(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform())
    reads = status_reads(settings)
    clients = [connect(KubeTarget(kubeconfig, name), retry=QUICK) for name in ("kind-a", "dead", "kind-b")]

    results = take_snapshots(clients, reads)

    assert [r.context for r in results] == ["kind-a", "dead", "kind-b"]
    assert results[0].snapshot is not None and results[2].snapshot is not None
    assert results[1].snapshot is None and results[1].error is not None
    assert results[1].error.exit_code == ExitCode.API_UNREACHABLE
    assert sorted(set(kube.bearer_tokens())) == ["token-kind-a", "token-kind-b"]
    for client in clients:
        client.close()


def test_a_snapshot_cannot_be_changed(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> None:
    snap = read(kube, kubeconfig, settings, healthy_platform(), needs={"nodes"})

    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.context = "other"  # type: ignore[misc]
    with pytest.raises(KeyError, match="pods:agents was not read in this snapshot"):
        snap.items("pods:agents")


def test_unknown_reads_are_a_programming_error(settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown reads"):
        Reads.of(settings, {"ocirepositories"})
