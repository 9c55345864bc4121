"""`invoke doctor` as an SRE runs it: findings as JSON with the documented fields, exit codes,
--check/--namespace/--context, and --fix (each remedy shown first; --dry-run writes nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.aws import MotoServer
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    KEYS_SECRET,
    REFUSED,
    Stack,
    argocd_app,
    event,
    failed_pipeline_pod,
    healthy_platform,
    platform_crds,
    replace,
    stack_external_secret,
)
from tests.tasks.cli import invoke

FAILED = Stack("staging", "team-a", state="failed", since=1200)
SANDBOX = Stack("sandbox", "team-b")
PROD = Stack("production", "team-a", tier="full", env="prod")
FIELDS = {"check", "severity", "context", "object", "owner", "symptom", "evidence", "cause", "fix", "docs"}
NOT_FOUND = "error processing spec.data[0] (key: datadog/dev/api-keys), err: Secret does not exist"


@pytest.fixture
def keys(moto_server: MotoServer) -> MotoServer:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    for env in ("dev", "prod"):
        client.create_secret(Name=f"datadog/{env}/api-keys", SecretString=json.dumps({"api-key": "k", "app-key": "a"}))
    return moto_server


def seed(kube: EmulatorThread, objects: list[dict[str, object]]) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*objects)


@pytest.fixture
def broken(kube: EmulatorThread, kubeconfig: Path, keys: MotoServer) -> dict[str, str]:
    """A failed pipeline (team-a), an OutOfSync Application, a failing ExternalSecret (team-b's stack)."""
    objects = healthy_platform([PROD, SANDBOX, FAILED])
    objects += [failed_pipeline_pod(FAILED, REFUSED)]
    objects = replace(objects, argocd_app("kratix-config", sync="OutOfSync"))
    objects = replace(objects, stack_external_secret(SANDBOX, ready=False))
    objects.append(event("ExternalSecret", SANDBOX.target, KEYS_SECRET, "UpdateFailed", NOT_FOUND))
    seed(kube, objects)
    kube.set_pod_log("team-a", FAILED.pipeline_pod, f"ERROR: {REFUSED}\n", container="datadog-configure")
    return {"KUBECONFIG": str(kubeconfig)}


def test_a_healthy_platform_has_no_findings_and_exits_0(
    kube: EmulatorThread, kubeconfig: Path, keys: MotoServer
) -> None:
    seed(kube, healthy_platform([PROD, SANDBOX]))

    result = invoke("doctor", env={"KUBECONFIG": str(kubeconfig)})

    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.strip().startswith("no problems found: 34 checks on kind-a")


def test_findings_as_json_have_the_documented_fields_and_an_error_exits_1(broken: dict[str, str]) -> None:
    result = invoke("doctor", "--output", "json", env=broken)

    assert result.code == 1, result.stderr
    data = json.loads(result.stdout)
    assert {f["check"] for f in data["findings"]} == {"pipeline-failed", "externalsecret-failed", "argocd-out-of-sync"}
    for finding in data["findings"]:
        assert set(finding) == FIELDS
        assert set(finding["object"]) == {"kind", "namespace", "name"}
    failed = next(f for f in data["findings"] if f["check"] == "pipeline-failed")
    assert failed["severity"] == "error" and failed["context"] == "kind-a"
    assert failed["object"] == {"kind": "DatadogStack", "namespace": "team-a", "name": "staging"}
    assert f"  ERROR: {REFUSED}" in failed["evidence"]
    es = next(f for f in data["findings"] if f["check"] == "externalsecret-failed")
    assert es["owner"] == {"kind": "DatadogStack", "namespace": "team-b", "name": "sandbox"}
    assert data["summary"] == {"error": 2, "warning": 1, "info": 0, "checks": 34, "contexts": ["kind-a"]}
    roots = [(i["root"]["kind"], i["root"]["name"], [g["check"] for g in i["findings"]]) for i in data["incidents"]]
    assert roots == [  # three unrelated causes: three incidents, each about its own object
        ("DatadogStack", "staging", ["pipeline-failed"]),
        ("ExternalSecret", KEYS_SECRET, ["externalsecret-failed"]),
        ("Application", "kratix-config", ["argocd-out-of-sync"]),
    ]
    assert (data["unreadable"], data["fixes"]) == ([], [])


def test_fail_on_warning_fails_on_an_out_of_sync_application(broken: dict[str, str]) -> None:
    result = invoke("doctor", "--check", "argocd-out-of-sync", "--fail-on", "warning", env=broken)

    assert result.code == 1
    assert result.stdout.startswith("WARNING argocd-out-of-sync  kind-a  Application argocd/kratix-config")
    assert "  fix:\n    kubectl -n argocd annotate application kratix-config argocd.argoproj.io/refresh=hard" in (
        result.stdout
    )
    assert result.stdout.rstrip().endswith("1 warning: 1 checks on kind-a")


def test_wrong_flags_exit_2_before_reading_anything(broken: dict[str, str], kube: EmulatorThread) -> None:
    kube.forget_requests()
    unknown = invoke("doctor", "--check", "pipeline-broken", env=broken)
    dry_alone = invoke("doctor", "--dry-run", env=broken)

    assert unknown.code == 2
    assert unknown.stderr.startswith("error: --check: 'pipeline-broken' is not allowed; one of pipeline-failed, ")
    assert dry_alone.code == 2 and "--dry-run: True is not allowed; only together with --fix" in dry_alone.stderr
    assert kube.requests == []


def test_several_contexts_are_checked_and_an_unreadable_one_exits_2(broken: dict[str, str]) -> None:
    contexts = ("--context", "kind-a", "--context", "kind-b", "--context", "dead")
    result = invoke("doctor", *contexts, "--check", "pipeline-failed", "--output", "json", env=broken)

    assert result.code == 2
    data = json.loads(result.stdout)
    assert [(f["check"], f["context"]) for f in data["findings"]] == [
        ("pipeline-failed", "kind-a"),
        ("pipeline-failed", "kind-b"),
    ]
    assert data["unreadable"][0]["context"] == "dead"
    assert "error: context dead: cannot reach the Kubernetes API at http://127.0.0.1:" in result.stderr


def test_fix_shows_each_safe_remedy_then_applies_it(broken: dict[str, str], kube: EmulatorThread) -> None:
    kube.forget_requests()
    result = invoke("doctor", "--fix", "--output", "json", env=broken)

    assert result.code == 1
    announced = [line for line in result.stderr.splitlines() if line.startswith("applying ")]
    assert announced == [
        "applying rerun-pipeline to DatadogStack team-a/staging in kind-a: "
        "kubectl -n team-a label datadogstack staging kratix.io/manual-reconciliation=true --overwrite",
        f"applying force-sync to ExternalSecret {SANDBOX.target}/{KEYS_SECRET} in kind-a: "
        f"kubectl -n {SANDBOX.target} annotate externalsecret {KEYS_SECRET} force-sync=$(date +%s) --overwrite",
        "applying hard-refresh to Application argocd/kratix-config in kind-a: "
        "kubectl -n argocd annotate application kratix-config argocd.argoproj.io/refresh=hard --overwrite",
    ]
    assert [method for method, _ in kube.writes()] == ["PATCH", "PATCH", "PATCH"]
    stack = kube.get("platform.srekubecraft.io/v1alpha1", "DatadogStack", "staging", "team-a")
    app = kube.get("argoproj.io/v1alpha1", "Application", "kratix-config", "argocd")
    es = kube.get("external-secrets.io/v1", "ExternalSecret", KEYS_SECRET, SANDBOX.target)
    assert stack is not None and stack["metadata"]["labels"]["kratix.io/manual-reconciliation"] == "true"
    assert app is not None and app["metadata"]["annotations"]["argocd.argoproj.io/refresh"] == "hard"
    assert es is not None and es["metadata"]["annotations"]["force-sync"].isdigit()
    assert [f["outcome"] for f in json.loads(result.stdout)["fixes"]] == ["applied"] * 3


def test_fix_with_dry_run_shows_the_remedies_and_writes_nothing(broken: dict[str, str], kube: EmulatorThread) -> None:
    kube.forget_requests()
    result = invoke("doctor", "--fix", "--dry-run", "--output", "json", env=broken)

    assert result.code == 1
    assert sum(line.startswith("would apply ") for line in result.stderr.splitlines()) == 3
    assert kube.writes() == []
    assert [f["outcome"] for f in json.loads(result.stdout)["fixes"]] == ["would apply"] * 3
