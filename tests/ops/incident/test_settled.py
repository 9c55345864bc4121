"""What doctor keeps of settled objects (ops/incident/doctor/settled.py): who is settled, what stays, and
that the guard every doctor test runs (tests/snapshots.py `same_findings`) fails when a skeleton drops
a field a check reads."""

from __future__ import annotations

import copy
import dataclasses
import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from ops.config import Settings
from ops.incident import keep
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import reads_for
from ops.incident.doctor.settled import (
    DOCTOR_SHAPES,
    HELM_RELEASE,
    active_namespace,
    all_conditions_true,
    rolled_out,
)
from ops.incident.keep import Keeper, When
from ops.incident.snapshot import Snapshot, take_snapshot
from ops.kube import KubeTarget, connect
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    Stack,
    agent_pods,
    daemonset,
    event,
    healthy_platform,
    helm_release,
    namespace,
    platform_crds,
    probe_failed,
    release_failed,
    replace,
    running_not_ready,
    timeout_error,
)
from tests.snapshots import QUICK, same_findings, settled_kept

PROD = Stack("production", "team-a", tier="full", env="prod")
STAGING = Stack("staging", "team-b")


def test_an_object_is_settled_only_when_every_condition_is_true_on_the_latest_spec() -> None:
    release = helm_release(PROD)
    assert all_conditions_true(release)
    stalled = copy.deepcopy(release)
    stalled["status"]["conditions"].append({"type": "Stalled", "status": "True", "reason": "RetriesExceeded"})
    assert not all_conditions_true(stalled)  # Flux's other polarity: True is the trouble
    behind = copy.deepcopy(release)
    behind["metadata"]["generation"] = 2  # the controller has not seen the latest spec
    assert not all_conditions_true(behind)
    deleting = copy.deepcopy(release)
    deleting["metadata"]["deletionTimestamp"] = "2026-11-30T00:00:00Z"
    assert not all_conditions_true(deleting)
    silent = copy.deepcopy(release)
    silent["status"]["conditions"] = []
    assert not all_conditions_true(silent)
    assert not all_conditions_true(release_failed(PROD, "timeout"))


def test_a_workload_is_settled_when_rolled_out_and_a_namespace_when_active() -> None:
    assert rolled_out(daemonset(PROD.target, desired=2, ready=2))
    assert not rolled_out(daemonset(PROD.target, desired=2, ready=1))
    assert active_namespace(namespace(PROD.target))
    assert not active_namespace(namespace(PROD.target, terminating_since=60))


def _keep(item: dict[str, Any], key: str = "helmreleases") -> dict[str, Any]:
    kept = Keeper(DOCTOR_SHAPES)(copy.deepcopy(item), key, "HelmRelease", "helm.toolkit.fluxcd.io/v2")
    assert kept is not None
    return kept


def test_a_settled_release_keeps_what_the_checks_join_on_and_its_conditions_evidence() -> None:
    release = helm_release(PROD)
    release["status"]["history"] = [
        {"chartVersion": "3.240.0", "digest": "sha256:1", "firstDeployed": "2026-11-01T00:00:00Z"},
        {"chartVersion": "3.239.0"},
    ]

    kept = _keep(release)

    assert kept["metadata"]["labels"] == release["metadata"]["labels"]
    assert (
        kept["spec"]["chart"] == release["spec"]["chart"]
        and kept["spec"]["valuesFrom"] == release["spec"]["valuesFrom"]
    )
    assert "install" not in kept["spec"] and "interval" not in kept["spec"]
    assert kept["status"]["history"] == [{"chartVersion": "3.240.0"}]  # the newest, what is read of it
    # a True condition's message and age stay: they are the evidence when an event says otherwise
    assert kept["status"]["conditions"] == release["status"]["conditions"]


def test_a_release_that_is_not_settled_is_kept_whole() -> None:
    failed = release_failed(PROD, "timeout")

    kept = _keep(failed)

    assert kept["spec"]["install"] == failed["spec"]["install"]
    assert kept["status"]["conditions"] == failed["status"]["conditions"]


def test_settled_objects_share_their_equal_parts() -> None:
    keeper = Keeper(DOCTOR_SHAPES)
    kept = [
        keeper(helm_release(s), "helmreleases", "HelmRelease", "helm.toolkit.fluxcd.io/v2") for s in (PROD, STAGING)
    ]
    assert kept[0] is not None and kept[1] is not None
    assert kept[0]["spec"]["valuesFrom"] is kept[1]["spec"]["valuesFrom"]
    assert kept[0]["status"]["conditions"][0]["reason"] is kept[1]["status"]["conditions"][0]["reason"]


@pytest.fixture
def chain(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> Snapshot:
    """An upgrade that timed out on the cluster agent while the HelmRelease still says Ready=True: the
    helmrelease-timeout check quotes the Ready condition's message from a settled object."""
    cluster = agent_pods(PROD)[-1]
    error = timeout_error(("Deployment", PROD.target, "datadog-cluster-agent"))
    message = f"Helm upgrade failed for release {PROD.target}/datadog with chart datadog@3.240.0: {error}"
    objects = replace(healthy_platform([PROD]), running_not_ready(cluster, "cluster-agent"))
    objects += [
        event("HelmRelease", PROD.target, "datadog", "UpgradeFailed", message, age=60, source="helm-controller"),
        probe_failed(cluster),
    ]
    kube.install_crd(*platform_crds())
    kube.seed(*objects)
    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:
        return take_snapshot(client, dataclasses.replace(reads_for(all_checks(), settings), shapes={}))


def test_the_guard_fails_when_a_skeleton_drops_what_a_check_reads(chain: Snapshot) -> None:
    same_findings(chain, settled_kept(chain))  # doctor's skeletons: the same findings

    status = dict(HELM_RELEASE["status"])
    status["conditions"] = [{"type": True, "status": True, "reason": True}]  # no message, no age
    shapes = {**DOCTOR_SHAPES, "helmreleases": When(all_conditions_true, {**HELM_RELEASE, "status": status})}
    with pytest.raises(AssertionError, match="helmrelease-timeout finds otherwise"):
        same_findings(chain, settled_kept(chain, shapes))


def test_a_keeper_is_freed_as_soon_as_its_read_ends() -> None:
    """Reads run with the cycle collector off and freeze what they made (ops/incident/snapshot.py): a
    Keeper in a reference cycle would keep every projection's sharing key for the rest of the run."""
    keeper = Keeper(DOCTOR_SHAPES)
    assert keeper(helm_release(PROD), "helmreleases", "HelmRelease", "v2") is not None
    gone = weakref.ref(keeper)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del keeper
        assert gone() is None
    finally:
        if enabled:
            gc.enable()


def test_what_a_keeper_remembers_to_share_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    def release(i: int) -> dict[str, Any]:
        return helm_release(Stack(f"s{i:03d}", "team-a"))

    one = Keeper(DOCTOR_SHAPES)
    one(release(0), "helmreleases", "HelmRelease", "v2")
    per_item = (len(one._shares.shared), len(one._shares.strings))  # what one item adds at most
    monkeypatch.setattr(keep, "SHARE_LIMIT", 20)
    keeper = Keeper(DOCTOR_SHAPES)

    kept = [keeper(release(i), "helmreleases", "HelmRelease", "v2") for i in range(200)]

    shares = keeper._shares
    assert len(shares.shared) <= 20 + per_item[0] and len(shares.strings) <= 20 + per_item[1]
    assert all(k is not None and k["spec"]["chart"] == release(i)["spec"]["chart"] for i, k in enumerate(kept))
    # what repeats is shared again once the tables start over
    assert kept[-1] is not None and kept[-2] is not None
    assert kept[-1]["spec"]["valuesFrom"] is kept[-2]["spec"]["valuesFrom"]
