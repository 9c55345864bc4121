"""Only what is shown is read: pods by selector, each check's own kinds, lists in bounded pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.config import Settings
from ops.errors import ExitCode
from ops.incident.doctor.registry import select_checks
from ops.incident.doctor.run import reads_for
from ops.incident.snapshot import (
    AGENT_APPS,
    AGENT_PODS,
    KRATIX_PODS,
    MAX_NAMESPACE_READS,
    PIPELINE_PODS,
    TROUBLED_PODS,
    ContextRead,
    kind_specs,
    take_snapshot,
)
from ops.incident.status import platform_status, status_reads
from ops.kube import KubeTarget, connect
from ops.kube.errors import ApiCall
from ops.kube.fields import Json
from ops.kube.reads import list_json
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    REFUSED,
    Stack,
    deployment,
    failed_pipeline_pod,
    healthy_platform,
    platform_crds,
    pod,
    running,
)
from tests.objects import (
    namespace as namespace_manifest,
)
from tests.snapshots import QUICK

STACKS = [Stack("production", "team-a", tier="full", env="prod"), Stack("sandbox", "team-b")]
BROKEN = Stack("refused", "team-c", state="failed")


@pytest.fixture
def seeded(kube: EmulatorThread) -> EmulatorThread:
    """The platform, a failed pipeline, and pods that no section shows (an app beside the agents)."""
    kube.install_crd(*platform_crds())
    bystanders = [pod(f"web-{i}", ns, [running("web", "nginx:1.27")]) for i in range(3) for ns in ("team-a", "shop")]
    kube.seed(*healthy_platform(STACKS), BROKEN.manifest(), failed_pipeline_pod(BROKEN, REFUSED), *bystanders)
    kube.forget_requests()
    return kube


def _pod_lists(kube: EmulatorThread) -> list[tuple[str, str]]:
    """(path, labelSelector) of every pod list sent."""
    paths = {path for method, path in kube.requests if method == "GET" and path.endswith("/pods")}
    return sorted((p, q.get("labelSelector", "")) for p in paths for q in kube.queries(p))


def test_status_lists_the_agents_pods_by_label_and_never_every_pod(
    seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        snap = take_snapshot(client, status_reads(settings))

    # one list per app label, side by side (their pages are not one after the other's)
    assert _pod_lists(seeded) == [("/api/v1/pods", f"app={app}") for app in AGENT_APPS]
    # the agents' pods (2 nodes + the cluster agent per stack), none of the bystanders beside them in team-a
    assert sorted(p["metadata"]["namespace"] for p in snap.pods()) == sorted(s.target for s in STACKS for _ in range(3))
    sections = platform_status([ContextRead("kind-a", snap)]).clusters[0].sections
    agents = next(s for s in sections if s.key == "datadogAgents")
    assert sorted(r["namespace"] for r in agents.rows) == sorted(s.target for s in STACKS)
    assert {r["agents"] for r in agents.rows} == {"2/2"}


def test_the_agents_listing_is_its_parts_in_the_servers_order_or_the_error_of_one(
    seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        whole = take_snapshot(client, status_reads(settings)).listing(AGENT_PODS)
        seeded.fail(403, method="GET", path="/api/v1/pods$", times=1)  # one of the three parts is refused
        refused = take_snapshot(client, status_reads(settings)).listing(AGENT_PODS)

    keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in whole.items]
    assert keys == sorted(keys) and len(keys) == whole.total == 6
    assert refused.items == () and refused.error is not None and "forbidden" in refused.error
    assert refused.error_code == ExitCode.UNAUTHORIZED  # 13: what RBAC refused


def test_doctor_reads_pipeline_pods_by_promise_label_and_the_kratix_namespace_only(
    seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    checks = select_checks(["pipeline-failed", "image-error", "oom-killed", "kratix-controller-down"])
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        snap = take_snapshot(client, reads_for(checks, settings))

    assert _pod_lists(seeded) == [
        ("/api/v1/namespaces/kratix-platform-system/pods", ""),
        *[("/api/v1/pods", f"app={app}") for app in AGENT_APPS],
        ("/api/v1/pods", f"kratix.io/promise-name={settings.promise_name},kratix.io/pipeline-name"),
    ]
    assert not [p for p in snap.pods() if p["metadata"]["name"].startswith("web-")]
    assert [name for (_, name, _) in snap.logs] == [BROKEN.pipeline_pod]


@pytest.mark.parametrize(
    ("check_id", "listed"),
    [
        ("oom-killed", {AGENT_PODS, PIPELINE_PODS, "namespaces", "datadogstacks"}),
        ("kratix-controller-down", {"promises", "deployments", KRATIX_PODS}),
        ("argocd-out-of-sync", {"applications"}),
    ],
)
def test_one_check_reads_only_the_kinds_it_declares(
    check_id: str, listed: set[str], seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    reads = reads_for(select_checks([check_id]), settings)
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        snap = take_snapshot(client, reads)

    assert set(snap.listings) == listed
    specs = kind_specs(settings.api_group, settings.promise_name)
    paths = {specs[key].path for key in listed}
    lists = {path for method, path in seeded.requests if method == "GET" and path not in {"/apis/", "/version"}}
    assert lists <= paths | {p for p in lists if "/secrets/" in p}


def test_a_long_list_comes_in_pages_and_each_item_is_trimmed_as_its_page_arrives(
    kube: EmulatorThread, kubeconfig: Path
) -> None:
    kube.seed(*({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{i:02d}"}} for i in range(25)))
    kube.forget_requests()
    seen: list[str] = []
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        items = list_json(
            client,
            ApiCall("list", "", "Namespace"),
            "/api/v1/namespaces",
            page_size=10,
            each=lambda i: seen.append(i["metadata"]["name"]) or i,
        )

    names = [i["metadata"]["name"] for i in items]
    assert names == seen and len(names) == len(set(names)) and {f"ns-{i:02d}" for i in range(25)} <= set(names)
    pages = kube.queries("/api/v1/namespaces")
    assert [q.get("limit") for q in pages] == ["10", "10", "10"]
    assert [q.get("continue", "").partition(":")[2] for q in pages] == ["", "10", "20"]


def _stuck_deployment(namespace: str) -> list[Json]:
    """An app's Deployment that is not available, and its crash-looping pod (no Datadog label)."""
    app = deployment(namespace, "api", replicas=1, ready=0)
    crashing = pod(
        "api-7d9c5b6f4-q2w3e", namespace, [running("api", "shop/api:2.1")], owner=("ReplicaSet", "api-7d9c5b6f4")
    )
    return [namespace_manifest(namespace), app, crashing]


def _pods_read(kube: EmulatorThread) -> list[str]:
    """The pod list paths sent without a label selector (the namespaces in trouble, or every pod)."""
    paths = {path for method, path in kube.requests if method == "GET" and path.endswith("/pods")}
    return sorted(p for p in paths for q in kube.queries(p) if "labelSelector" not in q)


def test_doctor_reads_the_pods_of_the_namespaces_in_trouble_only(
    seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    seeded.seed(*_stuck_deployment("shop-api"))
    seeded.forget_requests()
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        snap = take_snapshot(client, reads_for(select_checks(["workload-stuck"]), settings))

    assert _pods_read(seeded) == ["/api/v1/namespaces/shop-api/pods"]
    assert [p["metadata"]["name"] for p in snap.items(TROUBLED_PODS)] == ["api-7d9c5b6f4-q2w3e"]
    assert not [p for p in snap.pods() if p["metadata"]["name"].startswith("web-")]


def test_past_the_bound_every_pod_is_listed_once_and_only_the_troubled_namespaces_kept(
    seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    troubled = [f"shop-{i:02d}" for i in range(MAX_NAMESPACE_READS + 1)]
    seeded.seed(*(o for ns in troubled for o in _stuck_deployment(ns)))
    seeded.forget_requests()
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        snap = take_snapshot(client, reads_for(select_checks(["workload-stuck"]), settings))

    assert _pods_read(seeded) == ["/api/v1/pods"]
    assert sorted(p["metadata"]["namespace"] for p in snap.items(TROUBLED_PODS)) == troubled


def test_when_trouble_cannot_be_told_every_pod_is_read_and_kept(
    seeded: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    seeded.fail(403, path="^/api/v1/events$")
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        snap = take_snapshot(client, reads_for(select_checks(["workload-stuck"]), settings))

    assert _pods_read(seeded) == ["/api/v1/pods"]
    assert {p["metadata"]["name"] for p in snap.items(TROUBLED_PODS) if p["metadata"]["name"].startswith("web-")} == {
        f"web-{i}" for i in range(3)
    }
