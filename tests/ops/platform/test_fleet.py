"""What `cluster.add` hands to Argo CD and Kratix, without a server: the access a context gives, the objects
(valid against the real CRDs), the chart of the workload cluster's secret store."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ops.config import Settings
from ops.errors import BadInput
from ops.kube.contexts import ContextEntry, context_entries
from ops.platform.fleet import WorkloadCluster, check_name, cluster_objects
from ops.platform.fleet_access import access_from_context, eks_access
from tests.conftest import ROOT
from tests.objects import kubeconfig_with
from tests.support import crd_schema

CHARTS = ROOT / "gitops" / "argocd" / "charts"
EKS_EXEC = {
    "exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", "payments-eu", "--region", "eu-west-1"],
    }
}


def entry(user: dict[str, object], **cluster: object) -> ContextEntry:
    return ContextEntry(
        "payments", "https://payments.example:6443", {"server": "https://payments.example:6443", **cluster}, user
    )


def test_an_eks_context_becomes_iam_access_with_no_token() -> None:
    access = access_from_context(
        entry(EKS_EXEC, **{"certificate-authority-data": "Q0E="}), "arn:aws:iam::1:role/argocd"
    )

    assert access.config == {
        "awsAuthConfig": {"clusterName": "payments-eu", "roleARN": "arn:aws:iam::1:role/argocd"},
        "tlsClientConfig": {"insecure": False, "caData": "Q0E="},
    }
    assert access.how == "IAM (EKS cluster payments-eu, role arn:aws:iam::1:role/argocd)"


def test_a_client_certificate_is_read_from_its_files(tmp_path: Path) -> None:
    (tmp_path / "client.crt").write_text("CERT")
    (tmp_path / "client.key").write_text("KEY")
    path = tmp_path / "config"
    path.write_text(
        kubeconfig_with(
            {"payments": "https://payments.example:6443"},
            "payments",
            {"payments": {"client-certificate": "client.crt", "client-key": "client.key"}},
        )
    )

    access = access_from_context(context_entries(str(path))["payments"])

    tls = access.config["tlsClientConfig"]
    assert (base64.b64decode(tls["certData"]), base64.b64decode(tls["keyData"])) == (b"CERT", b"KEY")
    assert access.redacted() == "<redacted: tlsClientConfig>"


def test_a_user_argo_cd_cannot_act_as_is_refused() -> None:
    with pytest.raises(BadInput, match="a token, a client certificate or `aws eks get-token`"):
        access_from_context(entry({"exec": {"command": "gke-gcloud-auth-plugin"}}))


def test_the_repr_of_an_access_never_shows_the_token() -> None:
    access = access_from_context(entry({"token": "s3cr3t"}))

    assert "s3cr3t" not in repr(access) + access.redacted() + access.how


@pytest.mark.parametrize("name", ["payments", "payments.eu-west-1"])
def test_a_cluster_name_a_stack_can_name_is_accepted(name: str, settings: Settings) -> None:
    assert check_name(name, settings) == name


@pytest.mark.parametrize("name", ["Payments", "1payments", "p" * 64, "kratix-demo"])
def test_a_name_no_label_can_hold_or_the_platform_s_is_refused(name: str, settings: Settings) -> None:
    with pytest.raises(BadInput):
        check_name(name, settings)


def test_every_object_validates_against_its_real_crd(settings: Settings) -> None:
    cluster = WorkloadCluster("payments", eks_access("https://x.eks.amazonaws.com", "payments", None, "Q0E="), "arn:r")

    objects = cluster_objects(cluster, settings)

    assert [o["kind"] for o in objects] == ["Secret", *["Application"] * 3, "Destination", "Application"]
    for obj in objects[1:]:
        assert crd_schema.crd_errors(obj) == [], obj["metadata"]["name"]
    eso = next(o for o in objects if o["metadata"]["name"] == "payments-external-secrets")
    assert eso["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"] == {
        "create": True,
        "name": "external-secrets",
        "annotations": {"eks.amazonaws.com/role-arn": "arn:r"},
    }


def test_the_workload_store_chart_renders_the_platform_s_store_template() -> None:
    template = "templates/cluster-secret-store.yaml"
    assert (CHARTS / "cluster-secret-store" / template).read_text() == (CHARTS / "kratix-config" / template).read_text()
