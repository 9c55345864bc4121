"""Secrets in AWS Secrets Manager: the Datadog keys of an environment and the Kratix git credentials.

    keys = DatadogKeys(api_key=..., app_key=...)
    check_datadog_keys(keys, sources)                      # BadSecret names the key, never shows it
    write = put_json_secret(session, target, datadog_secret_name("dev"), keys.document(), ...)

A value travels only inside boto3's request body (TLS). It never appears in output, in an exception
message, in a log, on disk or in a process's arguments (the Taskfile of github.com/NoNickeD/kratix-demo
passed it to the aws CLI in argv);
comparing with the stored value happens in memory and only "unchanged" or "updated" is said.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datadog_configure.request import DNS_LABEL, ENVIRONMENT_MAX
from ops.aws import AwsNotFound, AwsTarget, call
from ops.errors import BadInput, ExitCode, OpsError

if TYPE_CHECKING:
    import boto3

_HEX = "0123456789abcdefABCDEF"
API_KEY_LENGTH, APP_KEY_LENGTH = 32, 40


class BadSecret(OpsError):
    """A secret value of the wrong shape: says which one and what was expected, never the value."""

    exit_code = ExitCode.BAD_INPUT


class SecretScheduledForDeletion(OpsError):
    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class SecretInput:
    """Where one value comes from: an environment variable, else a prompt."""

    env: str  # e.g. DD_API_KEY
    label: str  # e.g. "Datadog API key"


DD_API_KEY = SecretInput("DD_API_KEY", "Datadog API key")
DD_APP_KEY = SecretInput("DD_APP_KEY", "Datadog application key")
GIT_USERNAME = SecretInput("GIT_USERNAME", "git user name")
GIT_TOKEN = SecretInput("GIT_TOKEN", "git token (write access to the state-store repository)")


@dataclass(frozen=True)
class Given:
    value: str = field(repr=False)
    source: str  # "DD_API_KEY" or "the prompt": named in messages instead of the value


@dataclass(frozen=True)
class DatadogKeys:
    api_key: Given
    app_key: Given

    def document(self) -> dict[str, str]:
        return {"api-key": self.api_key.value, "app-key": self.app_key.value}


@dataclass(frozen=True)
class GitCredentials:
    username: Given
    token: Given

    def document(self) -> dict[str, str]:
        # the keys the ExternalSecret reads (remoteRef.property) and the GitStateStore's basicAuth expects
        return {"username": self.username.value, "password": self.token.value}


@dataclass(frozen=True)
class SecretWrite:
    name: str
    region: str
    action: str  # created, updated, unchanged
    dry_run: bool = False

    def __str__(self) -> str:
        verb = {"created": "would be created", "updated": "would be updated"}.get(self.action, self.action)
        return f"secret {self.name} in {self.region} {verb if self.dry_run else self.action}"


def read_input(source: SecretInput, environ: MutableMapping[str, str], ask: Callable[[str], str] | None) -> Given:
    """The value from the environment, else from `ask` (a hidden prompt; None when there is no terminal).

    A value found in `environ` is taken out of it, so no program started afterwards inherits it.
    """
    found = environ.pop(source.env, "").strip()
    if found:
        return Given(found, source.env)
    if ask is None:
        raise BadSecret(f"{source.env} is not set and stdin is not a terminal to ask for the {source.label}; set it")
    value = ask(f"{source.label} (not shown): ").strip()
    if not value:
        raise BadSecret(f"no {source.label} was entered")
    return Given(value, "the prompt")


def _shape(given: Given, what: str, length: int) -> None:
    is_hex = all(ch in _HEX for ch in given.value)
    if len(given.value) != length or not is_hex:
        got = f"{len(given.value)} characters" + ("" if is_hex else ", not all hexadecimal")
        raise BadSecret(
            f"the {what} from {given.source} is not a Datadog {what}: expected {length} hexadecimal characters, "
            f"got {got} (the value is not shown)"
        )


def check_datadog_keys(keys: DatadogKeys) -> None:
    """API key: 32 hex characters; application key: 40. Swapped keys are said to be swapped."""
    if len(keys.api_key.value) == APP_KEY_LENGTH and len(keys.app_key.value) == API_KEY_LENGTH:
        raise BadSecret(
            f"the API key ({keys.api_key.source}) and the application key ({keys.app_key.source}) look swapped: "
            f"the API key has {API_KEY_LENGTH} characters, the application key {APP_KEY_LENGTH}"
        )
    _shape(keys.api_key, "API key", API_KEY_LENGTH)
    _shape(keys.app_key, "application key", APP_KEY_LENGTH)


def check_git_credentials(credentials: GitCredentials) -> None:
    for given, what in ((credentials.username, "git user name"), (credentials.token, "git token")):
        if any(ch.isspace() or not ch.isprintable() for ch in given.value):
            raise BadSecret(f"the {what} from {given.source} contains spaces or control characters (not shown)")


def datadog_secret_name(environment: str) -> str:
    """datadog/<environment>/api-keys: the secret a DatadogStack with this spec.environment reads."""
    if len(environment) > ENVIRONMENT_MAX or not DNS_LABEL.fullmatch(environment):
        raise BadInput(
            "--env",
            environment,
            f"a DNS label of at most {ENVIRONMENT_MAX} characters, e.g. dev, prod (spec.environment)",
        )
    return f"datadog/{environment}/api-keys"


def put_json_secret(
    session: boto3.Session,
    target: AwsTarget,
    name: str,
    document: dict[str, str],
    *,
    description: str,
    dry_run: bool = False,
) -> SecretWrite:
    """Create the secret, or put a new value when the stored one differs; "unchanged" writes nothing."""
    with _wire_logs_off():
        return _put(session.client("secretsmanager"), target, name, document, description=description, dry_run=dry_run)


@contextmanager
def _wire_logs_off() -> Iterator[None]:
    """botocore logs request and response bodies at DEBUG: not while they hold a secret."""
    logger = logging.getLogger("botocore")
    level = logger.level
    logger.setLevel(max(level, logging.INFO))
    try:
        yield
    finally:
        logger.setLevel(level)


def _put(
    client: Any, target: AwsTarget, name: str, document: dict[str, str], *, description: str, dry_run: bool
) -> SecretWrite:
    try:
        described: dict[str, Any] = call(
            f"secretsmanager:DescribeSecret {name}",
            lambda: client.describe_secret(SecretId=name),
            target,
            expect=("ARN", "Name"),
        )
    except AwsNotFound:
        if not dry_run:
            call(
                f"secretsmanager:CreateSecret {name}",
                lambda: client.create_secret(Name=name, Description=description, SecretString=json.dumps(document)),
                target,
                expect=("ARN",),
            )
        return SecretWrite(name, target.region, "created", dry_run)
    if described.get("DeletedDate"):
        raise SecretScheduledForDeletion(
            f"secret {name} in {target.region} is scheduled for deletion; restore it first "
            f"(`aws secretsmanager restore-secret --secret-id {name} --region {target.region}`)"
        )
    if _stored_document(client, name, target) == document:
        return SecretWrite(name, target.region, "unchanged", dry_run)
    if not dry_run:
        call(
            f"secretsmanager:PutSecretValue {name}",
            lambda: client.put_secret_value(SecretId=name, SecretString=json.dumps(document)),
            target,
            expect=("ARN",),
        )
    return SecretWrite(name, target.region, "updated", dry_run)


def _stored_document(client: Any, name: str, target: AwsTarget) -> Any:
    """The stored JSON value, or None when there is no current version or it is not JSON."""
    try:
        answer = call(
            f"secretsmanager:GetSecretValue {name}",
            lambda: client.get_secret_value(SecretId=name),
            target,
            expect=("ARN",),
        )
    except AwsNotFound:  # created without a value: no AWSCURRENT version yet
        return None
    try:
        return json.loads(answer.get("SecretString") or "null")
    except ValueError:
        return None
