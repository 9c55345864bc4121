"""AWS failures, each as its own one-line error, against moto's server over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from ops.aws import (
    AwsAccessDenied,
    AwsCredentials,
    AwsNotFound,
    AwsTarget,
    AwsUnreachable,
    aws_errors,
    caller_identity,
    session,
)
from ops.errors import ExitCode
from tests.aws import MotoServer

TARGET = AwsTarget(region="eu-central-1")


def test_the_caller_identity_comes_from_sts(moto: MotoServer) -> None:
    identity = caller_identity(session(TARGET), TARGET)

    assert identity.account == "123456789012"
    assert identity.arn.startswith("arn:aws:")


def test_missing_credentials_say_how_to_get_some(
    monkeypatch: pytest.MonkeyPatch, moto: MotoServer, tmp_path: object
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    with pytest.raises(AwsCredentials) as caught:
        caller_identity(session(TARGET), TARGET)

    assert caught.value.exit_code == ExitCode.AWS_CREDENTIALS
    assert str(caught.value).startswith("no AWS credentials found for sts:GetCallerIdentity; set AWS_PROFILE")


def test_an_unknown_profile_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")

    with pytest.raises(AwsCredentials, match="AWS profile 'ops' is not configured"):
        session(AwsTarget(region="eu-central-1", profile="ops"))


def test_a_missing_secret_is_not_found_naming_the_action(moto: MotoServer) -> None:
    client = boto3.client("secretsmanager", region_name="eu-central-1")

    with (
        pytest.raises(AwsNotFound, match=r"^not found: secretsmanager:DescribeSecret datadog/dev/api-keys"),
        aws_errors("secretsmanager:DescribeSecret datadog/dev/api-keys", TARGET),
    ):
        client.describe_secret(SecretId="datadog/dev/api-keys")


def test_expired_and_denied_answers_get_their_own_errors(moto: MotoServer) -> None:
    moto.fail_next("ExpiredTokenException", "The security token included in the request is expired", status=400)
    with pytest.raises(
        AwsCredentials, match=r"AWS rejected the credentials for sts:GetCallerIdentity \(ExpiredTokenException\)"
    ):
        caller_identity(session(TARGET), TARGET)

    moto.fail_next("AccessDenied", "User is not authorized to perform: sts:GetCallerIdentity", status=403)
    with pytest.raises(AwsAccessDenied, match=r"^access denied: sts:GetCallerIdentity \(User is not authorized"):
        caller_identity(session(TARGET), TARGET)


def test_an_unreachable_endpoint_is_its_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.kube.emulator import closed_port_url

    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    with pytest.raises(AwsUnreachable, match="cannot reach AWS for sts:GetCallerIdentity"):
        caller_identity(session(TARGET), TARGET)


@pytest.fixture
def moto(moto_server: MotoServer) -> Iterator[MotoServer]:
    yield moto_server
