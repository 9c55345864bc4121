"""One Kubernetes API client per context, built from a kubeconfig; `kubernetes` is imported lazily.

    kube = connect(KubeTarget(context="kind-a"))
    namespaces = kube.call(ApiCall("list", "", "Namespace"), kube.core.list_namespace)

`Kube.call` is the way to make a request: it retries under the policy (retry.py) and turns
failures into `ops.errors` errors (errors.py). The accessors can also be used directly when a
caller wants neither.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ops import deadline
from ops.errors import OpsError
from ops.kube.errors import ApiCall, BadKubeconfig, NoKubeconfig, UnknownContext, api_errors
from ops.kube.exec_plugin import load_with_plugin
from ops.kube.retry import DEFAULT_RETRY, RetryPolicy
from ops.kube.threads import run_within

if TYPE_CHECKING:
    from kubernetes.client import (
        ApiClient,
        ApiextensionsV1Api,
        ApisApi,
        AppsV1Api,
        BatchV1Api,
        CoreV1Api,
        CustomObjectsApi,
        VersionApi,
    )

T = TypeVar("T")

DEFAULT_KUBECONFIG = "~/.kube/config"
POOL_SIZE = 16  # connections per context: enough for the concurrent reads of one snapshot


@dataclass(frozen=True)
class KubeTarget:
    """Which cluster: a kubeconfig (None: $KUBECONFIG, else ~/.kube/config) and a context (None: current)."""

    kubeconfig: Path | None = None
    context: str | None = None


@dataclass(frozen=True)
class Timeouts:
    """Seconds to open a connection, to wait between bytes of an answer, and for a whole request
    (`total`: a server that trickles one byte at a time defeats the read time-out)."""

    connect: float = 5.0
    read: float = 30.0
    total: float = 30.0


_defaults: dict[str, Timeouts] = {}


def set_default_timeouts(timeouts: Timeouts | None) -> None:
    """The time-outs `connect` uses when given none (settings `waits.request`; None: the built-in ones)."""
    _defaults.pop("timeouts", None)
    if timeouts is not None:
        _defaults["timeouts"] = timeouts


class Kube:
    """The API client of one context, with typed accessors built on first use."""

    def __init__(self, api_client: ApiClient, *, context: str, server: str, retry: RetryPolicy) -> None:
        self.api_client = api_client
        self.context = context
        self.server = server
        self.retry = retry

    def __repr__(self) -> str:
        return f"Kube(context={self.context!r}, server={self.server!r})"

    def call(self, what: ApiCall, fn: Callable[[], T], *, retry: RetryPolicy | None = None) -> T:
        """fn() retried under the policy; failures raised as OpsError naming `what` (TaskDeadline,
        exit 18, when the task's --timeout ran out meanwhile)."""
        policy = retry or self.retry
        deadline.check(str(what))
        try:
            with api_errors(what, self.server):
                return policy.run(fn, idempotent=what.verb != "create")
        except OpsError as err:
            if deadline.expired(deadline.GRACE) and not isinstance(err, deadline.TaskDeadline):
                raise deadline.TaskDeadline(str(what)) from err
            raise

    @cached_property
    def core(self) -> CoreV1Api:
        from kubernetes.client import CoreV1Api

        return CoreV1Api(self.api_client)

    @cached_property
    def custom(self) -> CustomObjectsApi:
        from kubernetes.client import CustomObjectsApi

        return CustomObjectsApi(self.api_client)

    @cached_property
    def apps(self) -> AppsV1Api:
        from kubernetes.client import AppsV1Api

        return AppsV1Api(self.api_client)

    @cached_property
    def batch(self) -> BatchV1Api:
        from kubernetes.client import BatchV1Api

        return BatchV1Api(self.api_client)

    @cached_property
    def apiext(self) -> ApiextensionsV1Api:
        from kubernetes.client import ApiextensionsV1Api

        return ApiextensionsV1Api(self.api_client)

    @cached_property
    def apis(self) -> ApisApi:
        from kubernetes.client import ApisApi

        return ApisApi(self.api_client)

    @cached_property
    def version(self) -> VersionApi:
        from kubernetes.client import VersionApi

        return VersionApi(self.api_client)

    def close(self) -> None:
        """Close the pooled connections (the object must not be used afterwards)."""
        self.api_client.close()
        self.api_client.rest_client.pool_manager.clear()

    def __enter__(self) -> Kube:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kubeconfig_path(target: KubeTarget) -> str:
    """The kubeconfig to read, resolved now (`kubernetes.config` reads $KUBECONFIG at import only).

    $KUBECONFIG may list several files (os.pathsep), merged as kubectl merges them.
    """
    if target.kubeconfig is not None:
        return str(target.kubeconfig)
    return os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def kubeconfig_contexts(path: str) -> tuple[tuple[str, ...], str | None]:
    """The context names in the kubeconfig file(s) and the current-context (first file that sets it)."""
    import yaml

    files = [Path(p).expanduser() for p in path.split(os.pathsep) if p]
    existing = [f for f in files if f.is_file()]
    if not existing:
        raise NoKubeconfig(path)
    names: list[str] = []
    current: str | None = None
    for file in existing:
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, ValueError, yaml.YAMLError) as err:  # ValueError: not UTF-8
            raise BadKubeconfig(str(file), f"not readable YAML ({type(err).__name__})") from err
        if not isinstance(doc, dict):
            raise BadKubeconfig(str(file), "not a kubeconfig (no mapping at the top)")
        for section in ("clusters", "users", "contexts"):
            entries = doc.get(section) or []
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise BadKubeconfig(str(file), f"{section} is not a list of named entries")
        names += [str(c["name"]) for c in doc.get("contexts") or [] if c.get("name") and c["name"] not in names]
        current = current or doc.get("current-context") or None
    if current is not None and not isinstance(current, str):
        raise BadKubeconfig(path, "current-context is not a name")
    return tuple(names), current


def connect(
    target: KubeTarget = KubeTarget(),
    *,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeouts: Timeouts | None = None,
    pool_size: int = POOL_SIZE,
) -> Kube:
    """A Kube for the target's context; raises NoKubeconfig, BadKubeconfig or UnknownContext.

    Nothing is requested from the API server yet: a dead server shows on the first call.
    """
    from kubernetes import client, config

    path = kubeconfig_path(target)
    available, current = kubeconfig_contexts(path)
    context = target.context or current
    if context is None or context not in available:
        raise UnknownContext(context, available, path)

    timeouts = timeouts or _defaults.get("timeouts") or Timeouts()
    configuration = client.Configuration()
    configuration.connection_pool_maxsize = pool_size
    configuration.retries = False  # tenacity (retry.py) is the only retry policy

    def load() -> None:  # load_kube_config, with `aws eks get-token` users served in-process (eks_token.py)
        merged = config.kube_config.KubeConfigMerger(path).config
        if merged is None:
            raise config.ConfigException("Invalid kube-config file. No configuration found.")
        _loader_class()(config_dict=merged, active_context=context, config_base_path=None).load_and_set(configuration)

    try:
        load_with_plugin(load, path, context, deadline.bound(timeouts.total, deadline.GRACE))
    except config.ConfigException as err:
        raise BadKubeconfig(path, str(err)) from err
    except (TypeError, AttributeError, KeyError, ValueError) as err:  # a shape the client did not expect
        raise BadKubeconfig(path, f"an entry of an unexpected shape ({type(err).__name__}: {err})") from err
    api_client = _api_client_class()(configuration, timeouts=timeouts)
    return Kube(api_client, context=context, server=str(configuration.host), retry=retry)


@functools.cache
def _loader_class() -> type[Any]:
    """The client's KubeConfigLoader, except that an `aws eks get-token` user gets its token in-process.

    Every other exec plugin runs as the client runs it. The client calls the same method again when the
    token's expiry comes near (`refresh_api_key_hook`), and TOKENS makes a new one then.
    """
    from kubernetes.config.kube_config import KubeConfigLoader

    from ops.kube.eks_token import TOKENS, eks_exec

    class Loader(KubeConfigLoader):  # type: ignore[misc]
        def _load_from_exec_plugin(self) -> bool | None:
            plugin = eks_exec(self._user["exec"].value) if "exec" in self._user else None
            if plugin is None:
                return super()._load_from_exec_plugin()  # type: ignore[no-any-return]
            token = TOKENS.token(plugin)
            self.token = f"Bearer {token.token}"
            self.expiry = token.expires_at
            return True

    return Loader


@functools.cache
def _api_client_class() -> type[Any]:
    """ApiClient whose requests time out unless a caller passes `_request_timeout` itself."""
    from kubernetes.client import ApiClient

    class TimedApiClient(ApiClient):  # type: ignore[misc]
        """Every request bounded: connect and read time-outs, and its whole time (the task's deadline
        included), on a daemon thread so that a stalled or trickling server cannot hold the task."""

        def __init__(self, configuration: Any, *, timeouts: Timeouts) -> None:
            super().__init__(configuration=configuration)
            self.timeouts = timeouts

        def call_api(self, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("_request_timeout") is None:
                kwargs["_request_timeout"] = (self.timeouts.connect, self.timeouts.read)
            send = super().call_api

            def whole() -> Any:
                response = send(*args, **kwargs)
                if kwargs.get("_preload_content") is False and hasattr(response, "data"):
                    response.data  # noqa: B018 - read (and keep) the whole body inside the time limit
                return response

            return run_within(deadline.bound(self.timeouts.total, deadline.GRACE), whole)

    return TimedApiClient
