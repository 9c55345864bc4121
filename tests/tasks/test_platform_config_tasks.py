"""`invoke external-secrets.apply` and `invoke kratix.apply` against a local API server."""

from __future__ import annotations

from pathlib import Path

from tests.kube.emulator import EmulatorThread
from tests.ops.platform.test_stores import PLATFORM_CRDS, ROLE, service_account
from tests.programs import OUTPUTS, Programs, programs  # noqa: F401
from tests.tasks.inprocess import run_task

ESO = "external-secrets.io/v1"


def with_platform(kube: EmulatorThread) -> None:
    kube.install_crd(*PLATFORM_CRDS)
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kratix-platform-system"}})


def test_external_secrets_dry_run_writes_nothing_and_warns_about_the_missing_service_account(
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    with_platform(kube)
    kube.forget_requests()

    run = run_task("external-secrets.apply", "--kubeconfig", str(kubeconfig), "--dry-run")

    assert run.code == 0, run.stderr
    assert kube.writes() == []
    assert run.stdout.splitlines() == [
        "ClusterSecretStore aws-secrets-manager would be created",
        "ExternalSecret kratix-platform-system/git-credentials would be created",
    ]
    assert "region eu-central-1 (from iac/ outputs)" in run.stderr
    assert "warning: ServiceAccount external-secrets/external-secrets not found" in run.stderr


def test_external_secrets_takes_region_and_secret_name_from_the_outputs_and_is_idempotent(
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    with_platform(kube)
    kube.seed(service_account(ROLE))
    programs.set_outputs({**OUTPUTS, "region": "us-east-2", "kratix_git_secret_name": "platform/git"})

    first = run_task("external-secrets.apply", "--kubeconfig", str(kubeconfig))
    second = run_task("external-secrets.apply", "--kubeconfig", str(kubeconfig))

    assert (first.code, second.code) == (0, 0), first.stderr
    assert "created" in first.stdout and "warning" not in first.stderr
    assert second.stdout.splitlines() == [
        "ClusterSecretStore aws-secrets-manager unchanged",
        "ExternalSecret kratix-platform-system/git-credentials unchanged",
    ]
    assert "nothing to do: every object is already as configured" in second.stderr
    store = kube.get(ESO, "ClusterSecretStore", "aws-secrets-manager")
    credentials = kube.get(ESO, "ExternalSecret", "git-credentials", "kratix-platform-system")
    assert store is not None and store["spec"]["provider"]["aws"]["region"] == "us-east-2"
    assert credentials is not None
    assert {d["remoteRef"]["key"] for d in credentials["spec"]["data"]} == {"platform/git"}


def test_kratix_apply_uses_the_state_store_settings_and_runs_no_program(
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    with_platform(kube)

    run = run_task(
        "kratix.apply",
        "--kubeconfig",
        str(kubeconfig),
        env={"INVOKE_STATESTORE_BRANCH": "release", "INVOKE_STATESTORE_DESTINATION": "eu-1"},
    )

    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == ["GitStateStore default created", "Destination platform created"]
    state_store = kube.get("platform.kratix.io/v1alpha1", "GitStateStore", "default")
    destination = kube.get("platform.kratix.io/v1alpha1", "Destination", "platform")
    assert state_store is not None and state_store["spec"]["branch"] == "release"
    assert destination is not None and destination["spec"]["path"] == "eu-1"
    assert programs.calls() == []


def test_kratix_apply_without_kratix_is_exit_14(kube: EmulatorThread, kubeconfig: Path) -> None:
    run = run_task("kratix.apply", "--kubeconfig", str(kubeconfig))

    assert run.code == 14
    assert run.stderr == "error: the cluster does not serve GitStateStore (platform.kratix.io); install Kratix\n"
