"""Secrets in AWS Secrets Manager (moto's server): checked, compared and written without ever being shown."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from datadog_configure.request import parse_request
from ops.aws import AwsAccessDenied, AwsCredentials, AwsTarget, session
from ops.errors import BadInput, ExitCode
from ops.platform import secrets
from tests.aws import MotoServer
from tests.conftest import datadog_stack

TARGET = AwsTarget("eu-central-1")
API_KEY = "5a1e9c0de5a1e9c0de5a1e9c0de5a1e9"  # 32 hexadecimal characters
APP_KEY = "ab0de1c0ffee5eedab0de1c0ffee5eedab0de1c0"  # 40
KEYS = secrets.DatadogKeys(secrets.Given(API_KEY, "DD_API_KEY"), secrets.Given(APP_KEY, "DD_APP_KEY"))
NAME = "datadog/dev/api-keys"


def stored(name: str = NAME) -> Any:
    value = boto3.client("secretsmanager", region_name="eu-central-1").get_secret_value(SecretId=name)
    return json.loads(value["SecretString"])


def writes(moto_server: MotoServer) -> list[str]:
    actions = ("CreateSecret", "PutSecretValue", "UpdateSecret")
    return [target for target, _ in moto_server.requests if target.endswith(actions)]


@pytest.fixture
def spawned() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Every process this test starts, seen through the interpreter's audit events."""
    events: list[tuple[str, tuple[Any, ...]]] = []
    active = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if active[0] and event in {"subprocess.Popen", "os.posix_spawn", "os.fork", "os.system", "os.exec"}:
            events.append((event, args))

    sys.addaudithook(hook)  # cannot be removed: switched off below
    yield events
    active[0] = False


def test_keys_come_from_the_environment_and_leave_it() -> None:
    environ = {"DD_API_KEY": f" {API_KEY}\n", "PATH": "/usr/bin"}

    given = secrets.read_input(secrets.DD_API_KEY, environ, ask=None)

    assert (given.value, given.source) == (API_KEY, "DD_API_KEY")
    assert environ == {"PATH": "/usr/bin"}  # a program started later does not inherit it
    assert API_KEY not in repr(given)


def test_without_the_variable_the_key_is_asked_for_without_echo() -> None:
    asked: list[str] = []

    given = secrets.read_input(secrets.DD_APP_KEY, {}, ask=lambda prompt: asked.append(prompt) or APP_KEY)

    assert (given.value, given.source) == (APP_KEY, "the prompt")
    assert asked == ["Datadog application key (not shown): "]


def test_without_the_variable_or_a_terminal_the_variable_is_named() -> None:
    with pytest.raises(secrets.BadSecret) as caught:
        secrets.read_input(secrets.DD_API_KEY, {}, ask=None)

    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert str(caught.value) == (
        "DD_API_KEY is not set and stdin is not a terminal to ask for the Datadog API key; set it"
    )


@pytest.mark.parametrize(
    ("api_key", "app_key", "message"),
    [
        (
            API_KEY[:-1],
            APP_KEY,
            "the API key from DD_API_KEY is not a Datadog API key: expected 32 hexadecimal characters, "
            "got 31 characters (the value is not shown)",
        ),
        (
            API_KEY,
            "z" + APP_KEY[1:],
            "the application key from DD_APP_KEY is not a Datadog application key: expected 40 hexadecimal "
            "characters, got 40 characters, not all hexadecimal (the value is not shown)",
        ),
        (
            APP_KEY,
            API_KEY,
            "the API key (DD_API_KEY) and the application key (DD_APP_KEY) look swapped: "
            "the API key has 32 characters, the application key 40",
        ),
    ],
)
def test_a_key_of_the_wrong_shape_is_named_and_never_shown(api_key: str, app_key: str, message: str) -> None:
    keys = secrets.DatadogKeys(secrets.Given(api_key, "DD_API_KEY"), secrets.Given(app_key, "DD_APP_KEY"))

    with pytest.raises(secrets.BadSecret) as caught:
        secrets.check_datadog_keys(keys)

    assert str(caught.value) == message
    assert api_key not in str(caught.value) and app_key not in str(caught.value)


def test_well_formed_keys_pass() -> None:
    secrets.check_datadog_keys(KEYS)


def test_the_secret_name_is_the_one_a_datadog_stack_of_that_environment_reads() -> None:
    for env in ("dev", "prod", "team-a-staging"):
        request = parse_request(datadog_stack(environment=env))
        assert secrets.datadog_secret_name(env) == request.secret_path


def test_an_environment_that_is_no_dns_label_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"^--env: 'Prod' is not allowed; a DNS label of at most 32 characters"):
        secrets.datadog_secret_name("Prod")


def test_the_secret_is_created_then_unchanged_then_updated(moto_server: MotoServer) -> None:
    def put(keys: secrets.DatadogKeys) -> secrets.SecretWrite:
        return secrets.put_json_secret(session(TARGET), TARGET, NAME, keys.document(), description="Datadog keys")

    created = put(KEYS)
    moto_server.requests.clear()
    unchanged = put(KEYS)
    writes_of_second_run = writes(moto_server)
    new_app_key = secrets.Given("f" * 40, "DD_APP_KEY")
    updated = put(secrets.DatadogKeys(KEYS.api_key, new_app_key))

    assert [str(w) for w in (created, unchanged, updated)] == [
        "secret datadog/dev/api-keys in eu-central-1 created",
        "secret datadog/dev/api-keys in eu-central-1 unchanged",
        "secret datadog/dev/api-keys in eu-central-1 updated",
    ]
    assert writes_of_second_run == []
    assert stored() == {"api-key": API_KEY, "app-key": "f" * 40}


def test_a_dry_run_reads_and_compares_but_writes_nothing(moto_server: MotoServer) -> None:
    write = secrets.put_json_secret(session(TARGET), TARGET, NAME, KEYS.document(), description="x", dry_run=True)

    assert str(write) == "secret datadog/dev/api-keys in eu-central-1 would be created"
    assert writes(moto_server) == []


def test_a_secret_created_without_a_value_gets_one(moto_server: MotoServer) -> None:
    boto3.client("secretsmanager", region_name="eu-central-1").create_secret(Name=NAME)

    write = secrets.put_json_secret(session(TARGET), TARGET, NAME, KEYS.document(), description="x")

    assert write.action == "updated"
    assert stored() == KEYS.document()


def test_a_secret_scheduled_for_deletion_says_how_to_restore_it(moto_server: MotoServer) -> None:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    client.create_secret(Name=NAME, SecretString="{}")
    client.delete_secret(SecretId=NAME, RecoveryWindowInDays=7)

    with pytest.raises(secrets.SecretScheduledForDeletion) as caught:
        secrets.put_json_secret(session(TARGET), TARGET, NAME, KEYS.document(), description="x")

    assert str(caught.value) == (
        "secret datadog/dev/api-keys in eu-central-1 is scheduled for deletion; restore it first "
        "(`aws secretsmanager restore-secret --secret-id datadog/dev/api-keys --region eu-central-1`)"
    )


def test_expired_credentials_and_denied_access_have_their_own_errors_without_the_keys(moto_server: MotoServer) -> None:
    moto_server.fail_next("ExpiredTokenException", "The security token included in the request is expired")
    with pytest.raises(AwsCredentials) as expired:
        secrets.put_json_secret(session(TARGET), TARGET, NAME, KEYS.document(), description="x")
    moto_server.fail_next(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: secretsmanager:DescribeSecret",
        status=400,
    )
    with pytest.raises(AwsAccessDenied) as denied:
        secrets.put_json_secret(session(TARGET), TARGET, NAME, KEYS.document(), description="x")

    assert expired.value.exit_code == ExitCode.AWS_CREDENTIALS
    assert str(expired.value).startswith(
        "AWS rejected the credentials for secretsmanager:DescribeSecret datadog/dev/api-keys (ExpiredTokenException)"
    )
    assert denied.value.exit_code == ExitCode.AWS_ACCESS_DENIED
    assert str(denied.value).startswith("access denied: secretsmanager:DescribeSecret datadog/dev/api-keys (User:")
    for error in (expired.value, denied.value):
        assert API_KEY not in str(error) and APP_KEY not in str(error)


def test_storing_keys_starts_no_process_and_logs_no_key_even_at_debug(
    moto_server: MotoServer,
    spawned: list[tuple[str, tuple[Any, ...]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    environ = {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}

    keys = secrets.DatadogKeys(
        secrets.read_input(secrets.DD_API_KEY, environ, None), secrets.read_input(secrets.DD_APP_KEY, environ, None)
    )
    secrets.check_datadog_keys(keys)
    secrets.put_json_secret(session(TARGET), TARGET, NAME, keys.document(), description="x")
    secrets.put_json_secret(session(TARGET), TARGET, NAME, keys.document(), description="x")

    assert spawned == []
    assert caplog.records  # botocore did log at DEBUG...
    assert API_KEY not in caplog.text and APP_KEY not in caplog.text  # ...but never a request or response body
    assert stored() == {"api-key": API_KEY, "app-key": APP_KEY}  # (this read of the test's own does log it)


def test_git_credentials_are_stored_as_the_external_secret_reads_them(moto_server: MotoServer) -> None:
    credentials = secrets.GitCredentials(
        secrets.Given("kratix-bot", "GIT_USERNAME"), secrets.Given("ghp_x1", "GIT_TOKEN")
    )
    secrets.check_git_credentials(credentials)

    secrets.put_json_secret(session(TARGET), TARGET, "kratix/git-credentials", credentials.document(), description="x")

    assert stored("kratix/git-credentials") == {"username": "kratix-bot", "password": "ghp_x1"}


def test_a_token_with_a_space_is_refused_without_showing_it() -> None:
    credentials = secrets.GitCredentials(secrets.Given("bot", "GIT_USERNAME"), secrets.Given("ghp_a b", "the prompt"))

    with pytest.raises(secrets.BadSecret) as caught:
        secrets.check_git_credentials(credentials)

    assert str(caught.value) == "the git token from the prompt contains spaces or control characters (not shown)"
