"""ESO: the real cause from UpdateFailed events, stores that are not valid, and the AWS secret itself
(through boto3 against moto's server: exists, both properties, access denied reported as such)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import boto3
import pytest

from ops.aws import AwsTarget
from ops.incident.doctor.aws_keys import ApiKeysReader
from ops.incident.doctor.finding import Severity, Subject
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import diagnose
from ops.incident.snapshot import ContextRead, Snapshot
from tests.aws import MotoServer
from tests.objects import (
    KEYS_SECRET,
    Stack,
    cluster_secret_store,
    event,
    healthy_platform,
    replace,
    stack_external_secret,
)
from tests.snapshots import findings_text, run_check

NOT_FOUND = "error processing spec.data[0] (key: datadog/prod/api-keys), err: Secret does not exist"
DENIED_BY_IAM = (
    "error processing spec.data[0] (key: datadog/prod/api-keys), err: AccessDeniedException: User: "
    "arn:aws:sts::123456789012:assumed-role/kratix-demo-external-secrets/external-secrets-provider-aws is not "
    "authorized to perform: secretsmanager:GetSecretValue on resource: datadog/prod/api-keys because no "
    "identity-based policy allows the secretsmanager:GetSecretValue action"
)
PROD = Stack("production", "team-a", tier="full", env="prod")


def failing(stack: Stack, reason: str) -> list[dict[str, object]]:
    objects = replace(healthy_platform([stack]), stack_external_secret(stack, ready=False))
    objects.append(
        event("ExternalSecret", stack.target, KEYS_SECRET, "UpdateFailed", reason, count=3, source="external-secrets")
    )
    return objects


def test_a_failing_external_secret_shows_the_cause_from_its_update_failed_event(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    snap = snapshot_of(failing(PROD, NOT_FOUND))

    [finding] = run_check(snap, "externalsecret-failed")

    assert finding.object == Subject("ExternalSecret", KEYS_SECRET, PROD.target)
    assert finding.owner == Subject("DatadogStack", "production", "team-a")
    assert finding.evidence[0].startswith("Ready=False SecretSyncedError: could not get secret data from provider (")
    assert finding.evidence[1].startswith("event UpdateFailed (x3, ") and finding.evidence[1].endswith(NOT_FOUND)
    assert "ClusterSecretStore aws-secrets-manager: Ready=True Valid: store validated" in finding.evidence
    assert finding.cause == "the AWS secret does not exist under that name in that region and account"
    assert finding.fix[0] == "create or complete the AWS secret: invoke secrets.create --env prod"
    assert finding.remedy is not None and finding.remedy.action == "force-sync"
    assert finding.remedy.patch == {"metadata": {"annotations": {"force-sync": str(int(snap.taken_at.timestamp()))}}}


def test_an_iam_denial_points_at_the_policy(snapshot_of: Callable[..., Snapshot]) -> None:
    [finding] = run_check(snapshot_of(failing(PROD, DENIED_BY_IAM)), "externalsecret-failed")

    assert finding.cause == "the IAM role ESO uses may not read this secret (IAM policy)"
    assert (
        "ESO acted as role kratix-demo-external-secrets (session external-secrets-provider-aws: the store's jwt auth)"
        in finding.evidence
    )
    assert any("secretsmanager:GetSecretValue" in line for line in finding.fix)


def test_an_invalid_store_is_reported_with_its_event(snapshot_of: Callable[..., Snapshot]) -> None:
    error = (
        "could not validate provider: operation error STS: AssumeRoleWithWebIdentity, https response error "
        "StatusCode: 403, api error AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"
    )
    objects = replace(healthy_platform(), cluster_secret_store(ready=False))
    objects.append(event("ClusterSecretStore", None, "aws-secrets-manager", "InvalidProviderConfig", error))
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "secretstore-not-valid")

    assert finding.evidence[0] == "Ready=False InvalidProviderConfig: unable to validate store"
    assert finding.evidence[1].endswith(error)
    assert "IRSA/OIDC" in finding.cause


def test_a_store_never_validated_is_a_warning(snapshot_of: Callable[..., Snapshot]) -> None:
    store = cluster_secret_store(reason="ValidationUnknown", message="could not determine validation status")
    [finding] = run_check(snapshot_of(replace(healthy_platform(), store)), "secretstore-not-valid")

    assert finding.severity is Severity.WARNING
    assert "referent auth" in finding.cause


@pytest.fixture
def aws(moto_server: MotoServer) -> ApiKeysReader:
    return ApiKeysReader(AwsTarget(region="eu-central-1"))


def put_secret(name: str, value: dict[str, str] | str) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    boto3.client("secretsmanager", region_name="eu-central-1").create_secret(Name=name, SecretString=text)


def test_a_missing_aws_secret_is_an_error_with_the_command_to_create_it(healthy: Snapshot, aws: ApiKeysReader) -> None:
    put_secret("datadog/prod/api-keys", {"api-key": "a" * 32, "app-key": "b" * 40})
    put_secret("datadog/staging/api-keys", {"api-key": "a" * 32, "app-key": "b" * 40})

    [finding] = run_check(healthy, "aws-api-keys", aws)

    assert finding.object == Subject("SecretsManagerSecret", "datadog/dev/api-keys")
    assert finding.owner == Subject("DatadogStack", "sandbox", "team-b")
    assert finding.symptom == "the AWS secret datadog/dev/api-keys does not exist"
    assert finding.fix[0] == "invoke secrets.create --env dev"


def test_a_secret_without_the_app_key_is_named_without_any_value(healthy: Snapshot, aws: ApiKeysReader) -> None:
    api_key = "d" * 32
    put_secret("datadog/prod/api-keys", {"api-key": api_key})
    put_secret("datadog/staging/api-keys", {"api-key": api_key, "app-key": "e" * 40})
    put_secret("datadog/dev/api-keys", "not json")

    findings = run_check(healthy, "aws-api-keys", aws)

    by_secret = {f.object.name: f for f in findings}
    assert by_secret["datadog/prod/api-keys"].symptom == "the AWS secret datadog/prod/api-keys lacks app-key"
    assert by_secret["datadog/prod/api-keys"].evidence == ("properties: api-key; needed: api-key, app-key",)
    assert by_secret["datadog/dev/api-keys"].symptom.endswith("is unusable: its value is not a JSON object")
    assert "datadog/staging/api-keys" not in by_secret
    assert api_key not in findings_text(findings) and "not json" not in findings_text(findings)


def test_access_denied_is_reported_as_such(healthy: Snapshot, aws: ApiKeysReader, moto_server: MotoServer) -> None:
    message = "User: arn:aws:iam::123456789012:user/sre is not authorized to perform: secretsmanager:GetSecretValue"
    moto_server.fail_next("AccessDeniedException", message, status=400, times=3)

    findings = run_check(healthy, "aws-api-keys", aws)

    assert [f.object.name for f in findings] == [
        "datadog/dev/api-keys",
        "datadog/prod/api-keys",
        "datadog/staging/api-keys",
    ]
    denied = findings[0]
    assert (denied.severity, denied.symptom) == (
        Severity.WARNING,
        "could not check the AWS secret datadog/dev/api-keys: access denied",
    )
    assert denied.evidence == (f"access denied: secretsmanager:GetSecretValue datadog/dev/api-keys ({message})",)


def test_every_api_keys_secret_is_read_once(healthy: Snapshot, aws: ApiKeysReader, moto_server: MotoServer) -> None:
    for env in ("dev", "prod", "staging"):
        put_secret(f"datadog/{env}/api-keys", {"api-key": "a", "app-key": "b"})
    moto_server.requests.clear()

    assert run_check(healthy, "aws-api-keys", aws) == []
    assert run_check(healthy, "aws-api-keys", aws) == []
    assert len(moto_server.requests) == 3


def test_doctor_asks_aws_in_the_background_while_the_other_checks_run(
    healthy: Snapshot, aws: ApiKeysReader, moto_server: MotoServer
) -> None:
    for env in ("dev", "prod", "staging"):
        put_secret(f"datadog/{env}/api-keys", {"api-key": "a", "app-key": "b"})
    moto_server.requests.clear()
    check = next(c for c in all_checks() if c.id == "aws-api-keys")
    assert check.asks is not None

    aws.start(check.asks(healthy))  # returns at once; the lookups go on
    deadline = time.monotonic() + 10
    while len(moto_server.requests) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)

    assert len(moto_server.requests) == 3
    assert run_check(healthy, "aws-api-keys", aws) == []
    assert len(moto_server.requests) == 3  # the check waited for those answers, it did not ask again
    diagnosis = diagnose([ContextRead("kind-a", healthy)], all_checks(), aws)
    assert diagnosis.complete and not [f for f in diagnosis.findings if f.check == "aws-api-keys"]


def test_eso_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    for check in ("externalsecret-failed", "secretstore-not-valid"):
        assert run_check(healthy, check) == [], check
