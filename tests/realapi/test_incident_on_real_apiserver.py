"""`status` and `doctor` against a real kube-apiserver: 1000 DatadogStacks with their objects (lists
come in pages), a healthy platform, the broken states of the doctor tests written through `/status`
as the controllers write them, and a user whose RBAC lets it list only a few kinds."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import boto3
import pytest

from tests.aws import MotoServer
from tests.objects import (
    KEYS_SECRET,
    REFUSED,
    Stack,
    app_condition,
    argocd_app,
    cluster_secret_store,
    event,
    failed_pipeline_pod,
    install_failed,
    kratix_controller,
    oom_killed,
    pod,
    promise,
    stack_external_secret,
    values_error,
    waiting,
    workplacement,
)
from tests.realapi.conftest import _STATE, RealApi
from tests.realapi.fleet import DETAILED, STACKS, fleet, platform_objects, team_namespaces
from tests.tasks.inprocess import TaskRunner

NARROW_KINDS = {"namespaces", "datadogstacks", "promises"}  # what the narrow user may list, cluster-wide


@pytest.fixture(scope="module")
def platform(real_api: RealApi) -> Iterator[list[Stack]]:
    """A healthy platform: 3 stacks with everything, 1000 more with their HelmReleases, seeded concurrently."""
    stacks = fleet()
    seeder = real_api.seeder()
    started = time.monotonic()
    seeder.seed(team_namespaces())
    seeder.seed(platform_objects(stacks))
    _STATE.timings.setdefault(f"seed {STACKS} stacks ({seeder.requests} requests)", time.monotonic() - started)
    yield stacks


@pytest.fixture
def keys(moto_server: MotoServer) -> MotoServer:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    client.create_secret(Name="datadog/dev/api-keys", SecretString=json.dumps({"api-key": "k", "app-key": "a"}))
    return moto_server


def test_status_lists_every_stack_through_the_pages(platform: list[Stack], task: TaskRunner) -> None:
    run = task("status", "--output", "json")

    assert run.code == 0, run.stderr
    [cluster] = json.loads(run.stdout)["contexts"]
    assert cluster["nodes"] == {"ready": 1, "total": 1}
    assert cluster["version"].startswith("v1.20")
    stacks = cluster["sections"]["datadogStacks"]
    assert len(stacks["items"]) == STACKS + len(DETAILED)  # pages of 500: the `continue` tokens were followed
    assert {row["message"] for row in stacks["items"]} == {
        f"Datadog {t} tier configured" for t in ("minimal", "standard", "full")
    }
    assert all(s["error"] is None and s["installed"] for s in cluster["sections"].values())


def test_doctor_finds_nothing_on_the_healthy_platform(
    platform: list[Stack], task: TaskRunner, keys: MotoServer
) -> None:
    run = task("doctor")

    assert run.code == 0, run.stdout + run.stderr
    assert re.fullmatch(r"no problems found: \d+ checks on admin", run.stdout.strip()), run.stdout


AGENT_LABELS = {"app": "datadog"}  # as the chart labels the agents' pods (the doctor lists them by it)


def broken_states(stacks: list[Stack]) -> list[dict[str, object]]:
    """One broken state per check of the doctor tests, each on objects of its own."""
    failed = Stack("failed", "team-0", state="failed", since=1200)
    stuck = Stack("stuck", "team-0", state="in-progress", since=3600)
    oom, pulls, owner, values, release = stacks[0], stacks[1], stacks[2], stacks[3], stacks[4]
    placement, secret_es, pending = stacks[5], stacks[6], stacks[7]
    agent = f"datadog-{oom.name}-abcde"
    image = "gcr.io/datadoghq/agent:7.78.0"
    return [
        failed.manifest(),
        failed_pipeline_pod(failed, REFUSED),
        stuck.manifest(),
        pod(
            agent,
            oom.target,
            [oom_killed(waiting("agent", image, "CrashLoopBackOff", "back-off"))],
            phase="Running",
            labels=AGENT_LABELS,
        ),
        pod(
            f"datadog-{pulls.name}-pull",
            pulls.target,
            [waiting("agent", "gcr.io/datadoghq/agent:7.99.0", "ImagePullBackOff", "Back-off pulling image")],
            phase="Pending",
            labels=AGENT_LABELS,
        ),
        install_failed(
            owner,
            "Helm install failed for release datadog with chart datadog@3.240.0: Unable to continue "
            'with install: ServiceAccount "datadog" in namespace "' + owner.target + '" exists and cannot '
            "be imported into the current release: invalid ownership metadata; label validation error: "
            'missing key "app.kubernetes.io/managed-by": must be set to "Helm"',
        ),
        values_error(values),
        install_failed(release, "install retries exhausted"),
        workplacement(placement, write_error="failed to push: remote rejected"),
        stack_external_secret(secret_es, ready=False),
        event("ExternalSecret", secret_es.target, KEYS_SECRET, "UpdateFailed", "Secret does not exist"),
        pod(
            f"datadog-{pending.name}-pending",
            pending.target,
            [waiting("agent", image, "ContainerCreating", "")],
            phase="Pending",
            labels=AGENT_LABELS,
            node_name=None,
            conditions=[
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/1 nodes are available: 1 Insufficient memory.",
                }
            ],
        ),
        argocd_app("kratix-config", sync="OutOfSync"),
        argocd_app("flux", health="Degraded", health_message="Deployment flux-system/helm-controller is degraded"),
        argocd_app("cert-manager", conditions=[app_condition("ComparisonError", "rpc error: code = Unknown")]),
        promise(available=False),
        *kratix_controller(ready=0),
        cluster_secret_store(ready=False, reason="InvalidProviderConfig", message="unable to validate store"),
    ]


EXPECTED = {
    "pipeline-failed",
    "pipeline-stuck",
    "image-error",
    "workplacement-write-failed",
    "argocd-out-of-sync",
    "argocd-degraded",
    "argocd-error",
    "externalsecret-failed",
    "secretstore-not-valid",
    "aws-api-keys",
    "oom-killed",
    "helm-ownership-conflict",
    "helmrelease-values-missing",
    "helmrelease-not-ready",
    "promise-unavailable",
    "kratix-controller-down",
    "agent-unschedulable",
}


def test_doctor_finds_the_broken_states_written_through_status(
    platform: list[Stack], real_api: RealApi, task: TaskRunner, moto_server: MotoServer
) -> None:
    real_api.seeder().seed(broken_states(platform))  # no AWS secret at all: aws-api-keys fires too

    run = task("doctor", "--output", "json")

    assert run.code == 1, run.stderr
    found = {f["check"] for f in json.loads(run.stdout)["findings"]}
    assert found >= EXPECTED, sorted(EXPECTED - found)


@pytest.fixture(scope="module")
def narrow(real_api: RealApi) -> None:
    """The unprivileged user may list namespaces, DatadogStacks and Promises, and nothing else."""
    seeder = real_api.seeder()
    rules = [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list"]},
        {"apiGroups": ["platform.srekubecraft.io"], "resources": ["datadogstacks"], "verbs": ["get", "list"]},
        {"apiGroups": ["platform.kratix.io"], "resources": ["promises"], "verbs": ["get", "list"]},
    ]
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "narrow"}}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "narrow"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "narrow"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kratix-ops-narrow"}],
    }
    seeder.seed([{**role, "rules": rules}, binding])


def test_status_as_a_narrow_user_reports_each_forbidden_kind_and_exits_13(
    platform: list[Stack], narrow: None, task: TaskRunner
) -> None:
    run = task("status", "--context", "narrow", "--output", "json")

    assert run.code == 13, run.stderr
    [cluster] = json.loads(run.stdout)["contexts"]
    assert cluster["nodes"]["total"] is None
    assert cluster["nodes"]["error"] == 'forbidden: user "kratix-ops-narrow" may not list nodes at the cluster scope'
    for key, section in cluster["sections"].items():
        assert section["installed"], key  # never "not installed"
    assert len(cluster["sections"]["datadogStacks"]["items"]) >= STACKS + len(DETAILED)
    forbidden = {key: s["error"] for key, s in cluster["sections"].items() if s["error"]}
    assert "datadogStacks" not in forbidden
    assert forbidden["helmReleases"] == (
        'forbidden: user "kratix-ops-narrow" may not list helmreleases.helm.toolkit.fluxcd.io at the cluster scope'
    )
    assert all(s["items"] == [] for s in cluster["sections"].values() if s["error"])
    assert 'error: context narrow: incomplete: Pod: forbidden: user "kratix-ops-narrow" may not list pods' in run.stderr


def test_doctor_as_a_narrow_user_names_every_blind_kind_and_exits_2(
    platform: list[Stack], narrow: None, task: TaskRunner, keys: MotoServer
) -> None:
    run = task("doctor", "--context", "narrow", "--output", "json")

    assert run.code == 2, run.stderr
    blind = {f["object"]["name"] for f in json.loads(run.stdout)["findings"] if f["check"] == "snapshot-incomplete"}
    assert {"pods", "helmreleases.helm.toolkit.fluxcd.io", "applications.argoproj.io"} <= blind, blind
    assert not any(n.startswith(("namespaces", "datadogstacks", "promises")) for n in blind)
