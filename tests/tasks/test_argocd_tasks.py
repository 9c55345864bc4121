"""`invoke argocd.*` against a local API server, with recording stand-ins for tofu and kubectl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.kube.emulator import INLINE_CRDS, EmulatorThread
from tests.ops.platform.test_argocd import NAMES, SERVER, free_port, initial_secret
from tests.programs import OUTPUTS, Programs, programs  # noqa: F401
from tests.tasks.cli import invoke
from tests.tasks.inprocess import run_task

ROLE = OUTPUTS["external_secrets_role_arn"]


def with_argo_cd(kube: EmulatorThread) -> None:
    kube.install_crd(INLINE_CRDS["applications.argoproj.io"])
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argocd"}})


def test_password_prints_only_the_password(kube: EmulatorThread, kubeconfig: Path) -> None:
    with_argo_cd(kube)
    kube.seed(initial_secret("Xq3-kP9zR2mWv8Ln"))

    run = invoke("argocd.password", "--kubeconfig", str(kubeconfig))

    assert (run.code, run.stdout, run.stderr) == (0, "Xq3-kP9zR2mWv8Ln\n", "")


def test_password_after_a_password_change_is_exit_17_with_what_to_do(kube: EmulatorThread, kubeconfig: Path) -> None:
    with_argo_cd(kube)

    run = run_task("argocd.password", "--kubeconfig", str(kubeconfig))

    assert run.code == 17
    assert run.stdout == ""
    assert run.stderr.startswith("error: Secret argocd/argocd-initial-admin-secret no longer exists")
    assert run.stderr.rstrip().endswith("`argocd account update-password`")
    assert len(run.stderr.splitlines()) == 1


def test_apps_dry_run_writes_nothing_then_apply_twice_is_created_then_unchanged(
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    with_argo_cd(kube)
    kube.forget_requests()

    dry = run_task("argocd.apps", "--kubeconfig", str(kubeconfig), "--dry-run")
    writes_of_dry_run = kube.writes()
    first = run_task("argocd.apps", "--kubeconfig", str(kubeconfig))
    second = run_task("argocd.apps", "--kubeconfig", str(kubeconfig))

    assert (dry.code, first.code, second.code) == (0, 0, 0), first.stderr
    assert writes_of_dry_run == []
    assert dry.stdout.splitlines() == [f"Application argocd/{name} would be created" for name in NAMES]
    assert "dry run: 7 to change, 0 unchanged; nothing was written" in dry.stderr
    assert first.stdout.splitlines() == [f"Application argocd/{name} created" for name in NAMES]
    assert second.stdout.splitlines() == [f"Application argocd/{name} unchanged" for name in NAMES]
    assert "region eu-central-1 (from iac/ outputs)" in first.stderr
    assert programs.argvs("tofu") == [["output", "-json"]] * 3  # the region, even in the dry run


def test_apps_without_argo_cd_is_exit_14_naming_what_to_install(kube: EmulatorThread, kubeconfig: Path) -> None:
    run = run_task("argocd.apps", "--kubeconfig", str(kubeconfig), "--region", "eu-west-1")

    assert run.code == 14
    assert run.stderr.splitlines()[-1] == "error: the cluster does not serve Application (argoproj.io); install Argo CD"


def test_apply_passes_the_cluster_outputs_as_variables(programs: Programs) -> None:  # noqa: F811
    run = run_task("argocd.apply", "--dry-run")

    assert run.code == 0, run.stderr
    plan = run.stdout.splitlines()[0]
    assert plan.startswith(
        "would run: cd iac/argocd && tofu plan -input=false -detailed-exitcode -var region=eu-central-1 "
        f"-var cluster_name=kratix-demo -var external_secrets_role_arn={ROLE} -out="
    )
    assert programs.argvs() == [["tofu", "output", "-json"]]
    assert programs.calls()[0].cwd == str(ROOT / "iac")


def test_apply_before_the_cluster_exists_says_to_apply_infra_first(programs: Programs) -> None:  # noqa: F811
    programs.set_outputs(None)

    run = run_task("argocd.apply", "--yes")

    assert run.code == 17
    assert run.stderr.splitlines()[-1] == (
        "error: iac/ has no outputs yet (no state, or never applied); run `invoke infra.apply` first"
    )
    assert programs.argvs("tofu") == [["output", "-json"]]


def test_init_and_destroy_run_in_iac_argocd(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "plan", exit=2)

    init = run_task("argocd.init")
    destroy = run_task("argocd.destroy", "--yes")

    assert (init.code, destroy.code) == (0, 0), destroy.stderr
    calls = programs.calls("tofu")
    assert [(c.argv[0], Path(c.cwd).name) for c in calls] == [
        ("init", "argocd"),
        ("output", "iac"),
        ("plan", "argocd"),
        ("apply", "argocd"),
    ]
    assert "-destroy" in calls[2].argv
    assert destroy.stdout == "Argo CD (iac/argocd/): destroyed\n"


def test_port_forward_prints_the_url_and_user_and_ctrl_c_stops_it_with_exit_0(
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    with_argo_cd(kube)
    kube.seed(SERVER)
    programs.when("kubectl", "port-forward", stdout="Forwarding from 127.0.0.1:8080 -> 8080\n", sleep=60)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}
    command = [
        sys.executable,
        "-m",
        "invoke",
        "argocd.port-forward",
        "--port",
        str(port),
        "--kubeconfig",
        str(kubeconfig),
    ]

    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        deadline = time.monotonic() + 20
        while not programs.calls("kubectl") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)  # let the stand-in print
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)

    assert proc.returncode == 0, stderr
    assert stdout == f"Argo CD UI: https://localhost:{port}  user: admin\n"
    assert "Forwarding from 127.0.0.1:8080 -> 8080" in stderr
    assert stderr.rstrip().endswith("port-forward stopped")
    assert programs.argvs("kubectl") == [
        [
            *("port-forward", "svc/argocd-server", "-n", "argocd", f"{port}:443"),
            *("--context", "kind-a", "--kubeconfig", str(kubeconfig)),
        ]
    ]


def test_port_forward_without_argo_cd_runs_no_kubectl(
    kube: EmulatorThread,
    kubeconfig: Path,
    programs: Programs,  # noqa: F811
) -> None:
    with_argo_cd(kube)

    run = run_task("argocd.port-forward", "--port", str(free_port()), "--kubeconfig", str(kubeconfig))

    assert run.code == 17
    assert run.stderr.startswith("error: Service argocd/argocd-server not found")
    assert programs.calls("kubectl") == []
