"""Which properties an AWS Secrets Manager secret holds: names only, read once per run.

    reader = ApiKeysReader(AwsTarget(region="eu-central-1"))
    reader.properties("datadog/prod/api-keys")   # SecretProperties(exists=True, keys=("api-key", "app-key"))

The secret's JSON is parsed only to list its keys; the values are dropped at once and never kept,
logged or printed. AWS failures come back as data (denied, no credentials...) so one missing
permission does not stop the other checks.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.aws import AwsAccessDenied, AwsNotFound, AwsTarget, call, session
from ops.errors import OpsError
from ops.kube.threads import DaemonPool

if TYPE_CHECKING:
    import boto3


@dataclass(frozen=True)
class SecretProperties:
    secret_id: str
    exists: bool
    keys: tuple[str, ...] = ()
    problem: str | None = None  # the secret exists but is not a JSON object
    error: str | None = None  # it could not be checked (AWS's words, one line)
    denied: bool = False


class ApiKeysReader:
    """Looks secrets up through boto3 (AWS_ENDPOINT_URL and profiles as boto3 resolves them)."""

    def __init__(self, target: AwsTarget, make_session: Callable[[AwsTarget], boto3.Session] = session) -> None:
        self.target = target
        self._make_session = make_session
        self._client: Any = None
        self._seen: dict[str, SecretProperties] = {}
        self._asked: dict[str, Future[SecretProperties]] = {}  # started, not yet seen
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Import boto3 and build the client now (a doctor run does it while the cluster is read)."""
        with contextlib.suppress(OpsError):
            self._secretsmanager()

    def properties(self, secret_id: str) -> SecretProperties:
        return self.properties_of([secret_id])[secret_id]

    def start(self, secret_ids: Iterable[str]) -> None:
        """Begin looking these up in the background; `properties_of` then waits for them."""
        with self._lock:
            todo = [s for s in dict.fromkeys(secret_ids) if s not in self._seen and s not in self._asked]
            if not todo:
                return
            pool = DaemonPool(min(8, len(todo)), "aws-secrets")
            with pool:
                self._asked.update({s: pool.submit(self._look_up, s) for s in todo})

    def properties_of(self, secret_ids: list[str]) -> dict[str, SecretProperties]:
        """Several secrets, looked up at once; each once per run."""
        self.start(secret_ids)
        with self._lock:
            asked = {s: self._asked[s] for s in dict.fromkeys(secret_ids) if s not in self._seen}
        found = {s: future.result() for s, future in asked.items()}
        with self._lock:
            self._seen.update(found)
            for s in found:
                self._asked.pop(s, None)
        return {s: self._seen[s] for s in secret_ids}

    def _secretsmanager(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = call(
                    "secretsmanager client", lambda: self._make_session(self.target).client("secretsmanager")
                )
            return self._client

    def _look_up(self, secret_id: str) -> SecretProperties:
        action = f"secretsmanager:GetSecretValue {secret_id}"
        try:
            client = self._secretsmanager()
            answer = call(action, lambda: client.get_secret_value(SecretId=secret_id), self.target, expect=("ARN",))
        except AwsNotFound:
            return SecretProperties(secret_id, exists=False)
        except AwsAccessDenied as err:
            return SecretProperties(secret_id, exists=False, error=err.message, denied=True)
        except OpsError as err:
            return SecretProperties(secret_id, exists=False, error=err.message)
        text = answer.get("SecretString")
        del answer  # the values go with it
        try:
            data = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return SecretProperties(secret_id, exists=True, problem="its value is not a JSON object")
        return SecretProperties(secret_id, exists=True, keys=tuple(sorted(data)))
