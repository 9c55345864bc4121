"""`invoke kubeconfig` against moto's EKS: what it writes, what it says, and a second run."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from tests.aws import MotoServer
from tests.ops.platform.test_kubeconfig import ARN, create_cluster
from tests.tasks.inprocess import run_task


def test_first_run_creates_and_switches_the_context_and_a_second_run_is_unchanged(
    moto_server: MotoServer, kubeconfig: Path
) -> None:
    create_cluster()

    first = run_task("kubeconfig", "--kubeconfig", str(kubeconfig))
    second = run_task("kubeconfig", "--kubeconfig", str(kubeconfig))

    assert (first.code, second.code) == (0, 0), first.stderr
    assert first.stdout == f"context {ARN} in {kubeconfig}: created\n"
    assert first.stderr == f"current context is now {ARN} (was kind-a)\n"
    assert second.stdout == f"context {ARN} in {kubeconfig}: unchanged\n"
    assert second.stderr == f"current context: {ARN}\n"
    contexts = [c["name"] for c in yaml.safe_load(kubeconfig.read_text())["contexts"]]
    assert contexts == ["kind-a", "kind-b", "dead", ARN]


def test_cluster_and_alias_come_from_flags_and_the_first_kubeconfig_file_is_written(
    moto_server: MotoServer, tmp_path: Path
) -> None:
    create_cluster("platform-eu")
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"

    run = run_task(
        "kubeconfig",
        "--cluster",
        "platform-eu",
        "--alias",
        "eu",
        env={"KUBECONFIG": os.pathsep.join([str(first), str(second)])},
    )

    assert run.code == 0, run.stderr
    assert run.stdout == f"context eu in {first}: created\n"
    assert not second.exists()
    user = yaml.safe_load(first.read_text())["users"][0]["user"]["exec"]
    assert user["args"] == ["eks", "get-token", "--cluster-name", "platform-eu", "--region", "eu-central-1"]


def test_dry_run_says_what_would_happen_and_writes_nothing(moto_server: MotoServer, tmp_path: Path) -> None:
    create_cluster()
    path = tmp_path / "config"

    run = run_task("kubeconfig", "--kubeconfig", str(path), "--dry-run")

    assert run.code == 0, run.stderr
    assert run.stdout == f"context {ARN} in {path}: would be created\n"
    assert run.stderr == "dry run: nothing was written\n"
    assert not path.exists()


def test_a_cluster_that_does_not_exist_is_exit_17_and_nothing_is_written(
    moto_server: MotoServer, tmp_path: Path
) -> None:
    run = run_task("kubeconfig", "--kubeconfig", str(tmp_path / "config"), "--region", "eu-west-1")

    assert run.code == 17
    assert run.stderr == (
        "error: no EKS cluster kratix-demo in eu-west-1; check --cluster/--region, "
        "or create it with `invoke infra.apply`\n"
    )
    assert not (tmp_path / "config").exists()
