"""`invoke setup` and `invoke teardown`: the Taskfile's sequences, resumable, against local stand-ins.

OpenTofu and the aws CLI are recording stand-ins on PATH, AWS is moto's server, Kubernetes is the
local API server; a small controller thread plays Argo CD and Kratix (it marks what they would).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ops.kube import KubeTarget, connect
from ops.kube.objects import ObjectRef, list_objects, patch_object
from tests.aws import MotoServer
from tests.kube.emulator import INLINE_CRDS, EmulatorThread, crd_manifest
from tests.objects import (
    datadog_stack_crd,
    promise,
    stack,
)
from tests.programs import Programs
from tests.tasks.inprocess import TaskRunner

SETUP_STEPS = [
    "preflight",
    "infra.init",
    "infra.apply",
    "kubeconfig",
    "argocd.init",
    "argocd.apply",
    "argocd.apps",
    "argocd.sync",
    "kratix.apply",
    "external-secrets.apply",
    "promise.apply",
]
TEARDOWN_STEPS = ["datadog.delete", "promise.delete", "argocd.destroy", "infra.destroy"]
APP_NAMES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "gitops/argocd/apps").glob("*.yaml"))


@pytest.fixture
def platform(kube: EmulatorThread, moto_server: MotoServer, programs: Programs) -> EmulatorThread:
    """A cluster with the CRDs of Argo CD, Kratix and ESO served and the namespaces Argo CD and Kratix make."""
    kube.install_crd(
        crd_manifest("argoproj.io", "Application", status=False),  # Argo CD's CRD has no status subresource
        INLINE_CRDS["promises.platform.kratix.io"],
        INLINE_CRDS["destinations.platform.kratix.io"],
        INLINE_CRDS["clustersecretstores.external-secrets.io"],
        INLINE_CRDS["externalsecrets.external-secrets.io"],
        crd_manifest("platform.kratix.io", "GitStateStore", scope="Cluster"),
        datadog_stack_crd(),
    )
    for name in ("argocd", "kratix-platform-system", "external-secrets", "team-a"):
        kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return kube


@contextmanager
def argo_cd_and_kratix(kubeconfig: Path, healthy: bool = True) -> Iterator[None]:
    """Mark each new Application Synced (and Healthy, or Degraded) and the Promise Available, as they would."""
    stop = threading.Event()
    health = "Healthy" if healthy else "Degraded"

    def play() -> None:
        with connect(KubeTarget(kubeconfig, "kind-b")) as client:
            while not stop.wait(0.02):
                for app in list_objects(client, "argoproj.io/v1alpha1", "Application", "argocd"):
                    if not app.get("status"):
                        patch_object(
                            client,
                            ObjectRef.of(app),
                            {
                                "status": {
                                    "sync": {"status": "Synced"},
                                    "health": {
                                        "status": health,
                                        "message": ""
                                        if healthy
                                        else "Deployment kratix exceeded its progress deadline",
                                    },
                                }
                            },
                        )
                for live in list_objects(client, "platform.kratix.io/v1alpha1", "Promise"):
                    if not live.get("status"):
                        patch_object(client, ObjectRef.of(live), {"status": promise()["status"]}, subresource="status")

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def states(stdout: str) -> dict[str, str]:
    """STEP -> STATE from the summary table."""
    rows = [
        line.split()
        for line in stdout.splitlines()
        if line.split() and line.split()[0] in {*SETUP_STEPS, *TEARDOWN_STEPS}
    ]
    return {row[0]: row[1] if row[1] != "not" else "not run" for row in rows}


def test_setup_dry_run_prints_the_plan_and_touches_nothing(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
    moto_server: MotoServer,
) -> None:
    run = kube_tasks("setup", "--dry-run")

    assert run.code == 0, run.stderr
    assert [line.split(".", 1)[1].split(":")[0].strip() for line in run.stdout.splitlines()[1:]] == SETUP_STEPS
    assert programs.calls() == []
    assert platform.writes() == []
    assert moto_server.requests == []


def test_setup_runs_every_step_in_order_and_a_second_run_skips_them_all(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
    kubeconfig: Path,
) -> None:
    programs.when("tofu", "plan", exit=2)  # the first plans have changes

    with argo_cd_and_kratix(kubeconfig):
        first = kube_tasks("setup", "--yes", "--context", "kind-a", "--timeout", "20")

    assert first.code == 0, first.stderr
    assert list(states(first.stdout)) == SETUP_STEPS
    assert states(first.stdout)["infra.apply"] == "done"
    assert states(first.stdout)["argocd.apps"] == "done"
    assert states(first.stdout)["promise.apply"] == "done"
    assert states(first.stdout)["kubeconfig"] == "skipped"  # the context exists and answers
    tofu = [(Path(c.cwd).name, c.argv[0]) for c in programs.calls("tofu") if c.argv[0] != "output"]
    # iac/ outputs are read twice: for argocd.apply's variables, then once for every later step
    assert [c.argv for c in programs.calls("tofu") if c.argv[0] == "output"] == [["output", "-json"]] * 2
    assert tofu == [
        ("iac", "init"),
        ("iac", "plan"),
        ("iac", "apply"),
        ("argocd", "init"),
        ("argocd", "plan"),
        ("argocd", "apply"),
    ]
    assert (
        sorted(
            a["metadata"]["name"]
            for a in list_objects(
                connect(KubeTarget(kubeconfig, "kind-a")), "argoproj.io/v1alpha1", "Application", "argocd"
            )
        )
        == APP_NAMES
    )

    programs.reset()  # plans without changes from now on
    platform.forget_requests()
    second = kube_tasks("setup", "--yes", "--context", "kind-a", "--timeout", "20")

    assert second.code == 0, second.stderr
    assert {step: state for step, state in states(second.stdout).items() if state != "skipped"} == {
        "preflight": "done",
        "infra.init": "done",
        "argocd.init": "done",
    }
    assert platform.writes() == []
    assert not [c for c in programs.calls("tofu") if c.argv[0] == "apply"]


def test_a_wait_that_times_out_stops_setup_and_the_next_run_resumes(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
    kubeconfig: Path,
) -> None:
    with argo_cd_and_kratix(kubeconfig, healthy=False):
        failed = kube_tasks("setup", "--yes", "--context", "kind-a", "--timeout", "0.5")

    assert failed.code == 18
    error = failed.stderr.strip().splitlines()[-1]
    assert error.startswith(
        "error: argocd.sync failed: gave up waiting for the Argo CD Applications to be Synced "
        "and Healthy after 0.5 s: still 0/7 Synced and Healthy"
    )
    assert "Degraded" in error and "exceeded its progress deadline" in error
    assert error.endswith("run `invoke setup` again (finished steps are skipped)")
    assert states(failed.stdout)["argocd.apps"] == "done"
    assert states(failed.stdout)["argocd.sync"] == "failed"
    assert states(failed.stdout)["promise.apply"] == "not run"

    for app in list_objects(connect(KubeTarget(kubeconfig, "kind-a")), "argoproj.io/v1alpha1", "Application", "argocd"):
        patch_object(
            connect(KubeTarget(kubeconfig, "kind-a")),
            ObjectRef.of(app),
            {"status": {"health": {"status": "Healthy", "message": ""}}},
        )
    with argo_cd_and_kratix(kubeconfig):
        resumed = kube_tasks("setup", "--yes", "--context", "kind-a", "--timeout", "20")

    assert resumed.code == 0, resumed.stderr
    assert states(resumed.stdout)["argocd.apps"] == "skipped"
    assert states(resumed.stdout)["argocd.sync"] == "skipped"
    assert states(resumed.stdout)["promise.apply"] == "done"


def test_a_malformed_region_stops_setup_at_preflight_before_anything_runs(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
) -> None:
    run = kube_tasks("setup", "--yes", env={"INVOKE_CLUSTER_REGION": "Frankfurt"})

    assert run.code == 2
    assert "error: preflight failed: cluster.region: 'Frankfurt' is not allowed; an AWS region" in run.stderr
    assert programs.calls() == []
    assert platform.writes() == []


def test_expired_aws_credentials_stop_setup_at_preflight(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
    moto_server: MotoServer,
) -> None:
    moto_server.fail_next("ExpiredToken", "The security token included in the request is expired", status=403)

    run = kube_tasks("setup", "--yes")

    assert run.code == 15
    assert (
        "error: preflight failed: AWS rejected the credentials for sts:GetCallerIdentity (ExpiredToken)" in run.stderr
    )
    assert [c.argv for c in programs.calls("tofu")] == []


def test_teardown_without_a_terminal_or_yes_changes_nothing(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
) -> None:
    platform.seed(stack())

    run = kube_tasks("teardown")

    assert run.code == 20
    assert "needs confirmation and stdin is not a terminal" in run.stderr
    assert platform.writes() == []
    assert programs.calls() == []


def test_teardown_deletes_the_stacks_first_then_the_promise_argo_cd_and_the_cluster(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
    kubeconfig: Path,
) -> None:
    platform.seed(promise(), stack(name="production", namespace="team-a"))
    programs.when("tofu", "plan", exit=2)

    run = kube_tasks("teardown", "--yes", "--context", "kind-a", "--timeout", "5")

    assert run.code == 0, run.stderr
    assert states(run.stdout) == dict.fromkeys(TEARDOWN_STEPS, "done")
    deletes = [path for method, path in platform.writes() if method == "DELETE"]
    assert deletes == [
        "/apis/platform.srekubecraft.io/v1alpha1/namespaces/team-a/datadogstacks/production",
        "/apis/platform.kratix.io/v1alpha1/promises/datadog-stack",
    ]
    destroys = [Path(c.cwd).name for c in programs.calls("tofu") if c.argv[:2] == ["plan", "-input=false"]]
    assert destroys == ["argocd", "iac"]


def test_a_resumed_teardown_skips_the_cluster_steps_once_the_cluster_is_gone(
    kube_tasks: TaskRunner,
    platform: EmulatorThread,
    programs: Programs,
) -> None:
    programs.set_outputs(None)  # iac/ has no state: the cluster was destroyed

    run = kube_tasks("teardown", "--yes", "--context", "kind-a")

    assert run.code == 0, run.stderr
    assert states(run.stdout) == dict.fromkeys(TEARDOWN_STEPS, "skipped")
    assert platform.writes() == []
