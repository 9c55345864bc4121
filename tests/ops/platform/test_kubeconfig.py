"""A kubeconfig context for EKS from eks:DescribeCluster (moto's server), merged without touching the others."""

from __future__ import annotations

import base64
import dataclasses
import os
import stat
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from ops.aws import AwsAccessDenied, AwsCredentials, AwsNotFound, AwsTarget, session
from ops.errors import ExitCode
from ops.kube import KubeTarget, connect
from ops.kube.errors import ApiCall
from ops.platform.kubeconfig import EksCluster, default_path, describe_cluster, merge_kubeconfig
from tests.aws import MotoServer
from tests.kube.emulator import EmulatorThread
from tests.programs import EXEC_TOKEN, Programs, programs  # noqa: F401

TARGET = AwsTarget("eu-central-1")
ARN = "arn:aws:eks:eu-central-1:123456789012:cluster/kratix-demo"


def create_cluster(name: str = "kratix-demo") -> None:
    boto3.client("eks", region_name="eu-central-1").create_cluster(
        name=name,
        roleArn="arn:aws:iam::123456789012:role/kratix-demo-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]},
    )


@pytest.fixture
def eks_cluster(moto_server: MotoServer) -> EksCluster:
    create_cluster()
    return describe_cluster(session(TARGET), TARGET, "kratix-demo")


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def named(document: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    return next(item for item in document[key] if item["name"] == name)


def test_describe_cluster_reads_endpoint_and_ca(eks_cluster: EksCluster) -> None:
    assert (eks_cluster.name, eks_cluster.arn, eks_cluster.region, eks_cluster.status) == (
        "kratix-demo",
        ARN,
        "eu-central-1",
        "ACTIVE",
    )
    assert eks_cluster.endpoint.startswith("https://") and eks_cluster.certificate_authority


def test_a_new_kubeconfig_gets_a_context_whose_user_runs_aws_eks_get_token(
    eks_cluster: EksCluster, tmp_path: Path
) -> None:
    path = tmp_path / "kube" / "config"

    change = merge_kubeconfig(path, eks_cluster)

    document = load(path)
    assert (change.action, change.context, change.previous_context) == ("created", ARN, None)
    assert document["current-context"] == ARN
    assert named(document, "clusters", ARN)["cluster"] == {
        "server": eks_cluster.endpoint,
        "certificate-authority-data": eks_cluster.certificate_authority,
    }
    assert named(document, "users", ARN)["user"] == {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", "kratix-demo", "--region", "eu-central-1"],
        }
    }
    assert named(document, "contexts", ARN)["context"] == {"cluster": ARN, "user": ARN}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "<profile>" not in path.read_text()


def test_a_profile_goes_to_the_token_command_and_its_environment(eks_cluster: EksCluster, tmp_path: Path) -> None:
    path = tmp_path / "config"

    merge_kubeconfig(path, eks_cluster, profile="ops", alias="kratix-demo")

    document = load(path)
    assert document["current-context"] == "kratix-demo"
    exec_config = named(document, "users", ARN)["user"]["exec"]
    assert exec_config["args"][-2:] == ["--profile", "ops"]
    assert exec_config["env"] == [{"name": "AWS_PROFILE", "value": "ops"}]


def test_other_contexts_are_left_as_they_were_and_the_previous_current_one_is_told(
    eks_cluster: EksCluster, kubeconfig: Path
) -> None:
    before = load(kubeconfig)

    change = merge_kubeconfig(kubeconfig, eks_cluster)

    after = load(kubeconfig)
    assert change.previous_context == "kind-a"
    for key in ("clusters", "users", "contexts"):
        assert [item for item in after[key] if item["name"] != ARN] == before[key]
    assert [c["name"] for c in after["contexts"]] == ["kind-a", "kind-b", "dead", ARN]
    assert after["preferences"] == before["preferences"]


def test_a_second_run_is_unchanged_and_does_not_rewrite_the_file(eks_cluster: EksCluster, tmp_path: Path) -> None:
    path = tmp_path / "config"
    merge_kubeconfig(path, eks_cluster)
    written = path.stat()

    again = merge_kubeconfig(path, eks_cluster)

    assert again.action == "unchanged"
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


def test_a_moved_endpoint_configures_the_entry_in_place(eks_cluster: EksCluster, kubeconfig: Path) -> None:
    merge_kubeconfig(kubeconfig, eks_cluster)

    change = merge_kubeconfig(kubeconfig, dataclasses.replace(eks_cluster, endpoint="https://new.example"))

    document = load(kubeconfig)
    assert change.action == "configured"
    assert named(document, "clusters", ARN)["cluster"]["server"] == "https://new.example"
    assert [c["name"] for c in document["clusters"]] == ["kind-a", "kind-b", "dead", ARN]


def test_a_dry_run_writes_nothing(eks_cluster: EksCluster, kubeconfig: Path) -> None:
    before = kubeconfig.read_text()

    change = merge_kubeconfig(kubeconfig, eks_cluster, dry_run=True)

    assert (change.action, change.dry_run) == ("created", True)
    assert kubeconfig.read_text() == before


def test_the_written_context_authenticates_with_an_eks_token_made_in_process(
    eks_cluster: EksCluster,
    kube: EmulatorThread,
    tmp_path: Path,
    programs: Programs,  # noqa: F811
) -> None:
    path = tmp_path / "config"
    # moto's endpoint is not a server: point the cluster record at the local API server instead
    merge_kubeconfig(path, dataclasses.replace(eks_cluster, endpoint=kube.url, certificate_authority=""))

    with connect(KubeTarget(path)) as client:
        client.call(ApiCall("list", "", "Namespace"), client.core.list_namespace)

    assert programs.argvs("aws") == []  # no `aws eks get-token` process: the token is made in-process
    token = kube.bearer_tokens()[-1]
    assert token.startswith("k8s-aws-v1.") and token != EXEC_TOKEN
    url = base64.urlsafe_b64decode(token.removeprefix("k8s-aws-v1.") + "==").decode()
    assert "Action=GetCallerIdentity" in url and "x-k8s-aws-id" in url


def test_kubectl_writes_where_kubeconfig_points_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    assert default_path() == tmp_path / "a"
    monkeypatch.delenv("KUBECONFIG")
    assert default_path() == Path("~/.kube/config").expanduser()


def test_a_missing_cluster_says_how_to_get_one(moto_server: MotoServer) -> None:
    with pytest.raises(AwsNotFound) as caught:
        describe_cluster(session(TARGET), TARGET, "kratix-demo")

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert str(caught.value) == (
        "no EKS cluster kratix-demo in eu-central-1; check --cluster/--region, or create it with `invoke infra.apply`"
    )


def test_no_credentials_is_its_own_error(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    with pytest.raises(AwsCredentials) as caught:
        describe_cluster(session(TARGET), TARGET, "kratix-demo")

    assert caught.value.exit_code == ExitCode.AWS_CREDENTIALS
    assert str(caught.value).startswith(
        "no AWS credentials found for eks:DescribeCluster kratix-demo in eu-central-1; set AWS_PROFILE"
    )


@pytest.mark.parametrize(
    ("code", "status", "error", "said"),
    [
        (
            "ExpiredTokenException",
            403,
            AwsCredentials,
            "AWS rejected the credentials for eks:DescribeCluster kratix-demo in eu-central-1 (ExpiredTokenException)",
        ),
        (
            "AccessDeniedException",
            403,
            AwsAccessDenied,
            "access denied: eks:DescribeCluster kratix-demo in eu-central-1 "
            "(User is not authorized to perform: eks:DescribeCluster)",
        ),
    ],
)
def test_expired_and_denied_answers_from_eks_are_their_own_errors(
    moto_server: MotoServer, code: str, status: int, error: type[Exception], said: str
) -> None:
    moto_server.fail_next(code, "User is not authorized to perform: eks:DescribeCluster", status=status)

    with pytest.raises(error) as caught:
        describe_cluster(session(TARGET), TARGET, "kratix-demo")

    assert str(caught.value).startswith(said)
