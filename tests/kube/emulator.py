"""A Kubernetes API server for tests: kmock's emulator, made to answer the way kube-apiserver does.

The official `kubernetes` client (and anything built on it) talks real HTTP to it on 127.0.0.1:

    with EmulatorThread() as kube:                      # or the `kube` fixture (tests/kube/fixtures.py)
        kube.install_crd(crd("promises.platform.kratix.io"))
        kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
        kube.fail(403, path="/apis/platform.kratix.io")  # every matching request is forbidden
        ...                                             # point a client at kube.url
        assert kube.writes() == []                      # "--dry-run writes nothing"

What stock kmock 0.8 gets wrong and this module fixes: Namespace paths (500), create answering 200,
lists without kind/apiVersion, selectors ignored, PUT and server-side apply of new objects (404),
`/status` patches changing spec, pod logs returned as JSON, kmock-worded 404 bodies, unknown API
groups served as if installed, `/api/v1` discovery saying "/v1". And its speed: kmock picks the
reaction for a request by replaying every request served so far and finds objects by scanning them
all (a GET took ~100 ms once a few hundred requests were served); here a request is matched on its
own, objects are kept per resource and looked up by key, and lists are assembled from each object's
cached JSON, byte for byte what kmock would send (bench/emulator.py compares). The cache holds while
stored objects change only through requests or seeding (kmock never changes a version in place;
`seed()` hands back copies): never edit `emu.objects[...]` in place.

What it cannot do: deletecollection, resourceVersion conflicts, strategic merge (treated
as a merge patch), garbage collection, Table output, exec/port-forward, and controllers: nothing
changes by itself, so tests seed the state that controllers would write.

As a process, for tests that run `invoke` in a subprocess (first stdout line is the URL):

    python -m tests.kube.emulator --port 0 --seed seed.json [--crd file.yaml] [--kubeconfig out.yaml]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import contextlib
import copy
import datetime
import functools
import gzip
import importlib.resources
import itertools
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp.test_utils
import aiohttp.web
import attrs
import kmock
import yaml
from kmock._internal import parsing
from kmock._internal.k8s import KubernetesObjectConflictError

REPO_ROOT = Path(__file__).resolve().parents[2]
# The upstream CRDs, vendored at pinned versions (vendor/crds/README.md).
UPSTREAM_CRDS = REPO_ROOT / "vendor" / "crds"
CRD_RESOURCE = "apiextensions.k8s.io/v1/customresourcedefinitions"
NAMESPACES = kmock.resource("v1/namespaces")
CRDS = kmock.resource(CRD_RESOURCE)
SECRETS = kmock.resource("v1/secrets")
RESOURCE_MISSING = "the server could not find the requested resource"
Json = dict[str, Any]
CrdSource = Path | str | Mapping[str, Any]


# ------------------------------------------------------------------------------------------------
# Two fixes to kmock's URL parser (process-wide, idempotent; they change nothing else).
# ------------------------------------------------------------------------------------------------
_stock_parse_path = parsing.parse_path
_stock_guess_k8s = parsing.guess_k8s
_NAMESPACE_SUBRESOURCES = {"status", "finalize"}


def _parse_path(path: str) -> parsing.ParsedPath:
    """`/api/v1/namespaces[/name[/status]]` addresses Namespaces (stock: taken as a namespace prefix)."""
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "api" and parts[2] == "namespaces":
        rest = parts[3:]
        if len(rest) <= 1 or (len(rest) == 2 and rest[1] in _NAMESPACE_SUBRESOURCES):
            return parsing.ParsedPath(
                group="",
                version=parts[1],
                plural="namespaces",
                namespace=None,
                name=rest[0] if rest else None,
                subresource=rest[1] if len(rest) == 2 else None,
            )
    return _stock_parse_path(path)


def _guess_k8s(k8s: parsing.ParsedPath, method: Any, query: dict[str, str]) -> Any:
    """`watch=True` (kubernetes < 37 sends it) is a watch too: the apiserver accepts Go ParseBool."""
    if str(query.get("watch", "")).lower() in {"1", "t", "true"}:
        query = {**query, "watch": "true"}
    return _stock_guess_k8s(k8s, method, query)


def apply_parser_fixes() -> None:
    parsing.parse_path = _parse_path
    parsing.guess_k8s = _guess_k8s


# ------------------------------------------------------------------------------------------------
# Selectors.
# ------------------------------------------------------------------------------------------------
def label_matcher(selector: str) -> Callable[[Mapping[str, str]], bool]:
    """Label selector: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b); parsed once, matched per object."""
    terms: list[tuple[str, str, frozenset[str]]] = []  # (operator, key, values)
    for term in (t.strip() for t in re.split(r",(?![^()]*\))", selector or "") if t.strip()):
        if m := re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", term):
            terms.append((m.group(2), m.group(1), frozenset(v.strip() for v in m.group(3).split(","))))
        elif m := re.fullmatch(r"([\w./-]+)\s*!=\s*(\S*)", term):
            terms.append(("!=", m.group(1), frozenset([m.group(2)])))
        elif m := re.fullmatch(r"([\w./-]+)\s*==?\s*(\S*)", term):
            terms.append(("in", m.group(1), frozenset([m.group(2)])))
        elif m := re.fullmatch(r"!([\w./-]+)", term):
            terms.append(("!", m.group(1), frozenset()))
        else:
            terms.append(("", term, frozenset()))

    def match(labels: Mapping[str, str]) -> bool:
        for operator, key, values in terms:
            if operator == "in":
                ok = labels.get(key) in values
            elif operator in {"notin", "!="}:
                ok = labels.get(key) not in values
            else:
                ok = (key in labels) != (operator == "!")
            if not ok:
                return False
        return True

    return match


def field_matcher(selector: str) -> Callable[[Mapping[str, Any]], bool]:
    """Field selector: `path=value`, `path==value`, `path!=value` on dotted paths (metadata.name)."""
    terms: list[tuple[list[str], bool, str] | None] = []  # None: a term that is not a selector matches nothing
    for term in (t.strip() for t in (selector or "").split(",") if t.strip()):
        m = re.fullmatch(r"([\w.]+)\s*(!=|==|=)\s*(.*)", term)
        terms.append((m.group(1).split("."), m.group(2) != "!=", m.group(3)) if m else None)
        if m is None:
            break  # matching stops at the first term that fails

    def match(obj: Mapping[str, Any]) -> bool:
        for term in terms:
            if term is None:
                return False
            path, equal, expected = term
            value: Any = obj
            for part in path:
                value = value.get(part) if isinstance(value, Mapping) else None
            actual = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            if (actual == expected) != equal:
                return False
        return True

    return match


# ------------------------------------------------------------------------------------------------
# Status bodies, as kube-apiserver writes them.
# ------------------------------------------------------------------------------------------------
def status_body(code: int, reason: str, message: str, details: Mapping[str, Any] | None = None) -> Json:
    body: Json = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    body |= {"message": message, "reason": reason, "details": dict(details or {}), "code": code}
    return body


def resource_missing() -> kmock.KubernetesError:
    """What the apiserver answers for a group, version or resource it does not serve."""
    return kmock.KubernetesError(status=404, reason="NotFound", message=RESOURCE_MISSING, details={})


def _qualified(resource: Any) -> str:
    return f"{resource.plural}.{resource.group}" if resource.group else str(resource.plural)


def _object_details(resource: Any, name: str | None) -> Json:
    details: Json = {"name": name} if name else {}
    if resource.group:
        details["group"] = resource.group
    details["kind"] = resource.plural
    return details


def object_missing(resource: Any, name: str | None) -> kmock.KubernetesError:
    message = f'{_qualified(resource)} "{name}" not found'
    return kmock.KubernetesError(404, "NotFound", message, _object_details(resource, name))


def already_exists(resource: Any, name: str | None) -> kmock.KubernetesError:
    message = f'{_qualified(resource)} "{name}" already exists'
    return kmock.KubernetesError(409, "AlreadyExists", message, _object_details(resource, name))


_VERBS = {"LIST": "list", "WATCH": "watch", "FETCH": "get", "CREATE": "create", "UPDATE": "patch"}
_STANDARD_FAULTS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "the request is invalid"),
    401: ("Unauthorized", "Unauthorized"),
    409: ("Conflict", "the object has been modified; please apply your changes to the latest version"),
    422: ("Invalid", "the object is invalid"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected by the test"),
    502: ("InternalError", "Internal error occurred: bad gateway"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted"),
}


def verb_of(request: kmock.Request) -> str:
    """The RBAC verb of a request (what a 403 names)."""
    if request.method == kmock.method.PUT:
        return "update"
    if request.method == kmock.method.DELETE:
        return "delete"
    return _VERBS.get(str(getattr(request.action, "value", "")), str(request.method.value).lower())


def forbidden(request: kmock.Request, user: str) -> kmock.KubernetesError:
    """A 403 worded as RBAC words it, naming the user, verb, resource and scope."""
    res, verb = request.resource, verb_of(request)
    if res is None or res.plural is None:
        message = f'forbidden: User "{user}" cannot {verb} path "{request.url.path}"'
        return kmock.KubernetesError(403, "Forbidden", message, {})
    target = f'{_qualified(res)} "{request.name}"' if request.name else _qualified(res)
    scope = f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
    message = (
        f'{target} is forbidden: User "{user}" cannot {verb} resource "{res.plural}" in API group "{res.group}" {scope}'
    )
    return kmock.KubernetesError(403, "Forbidden", message, _object_details(res, request.name))


@dataclass
class Fault:
    """Requests matching `method` and `path` (a regex searched in the path) fail with `code`."""

    code: int
    method: str | None = None
    path: str | None = None
    times: int | None = None  # None: until cleared
    message: str | None = None  # None: the apiserver's usual wording
    user: str = "system:serviceaccount:ops:reader"

    def matches(self, request: kmock.Request) -> bool:
        if self.method is not None and self.method.upper() != request.method.value:
            return False
        return self.path is None or re.search(self.path, request.url.path) is not None

    def error(self, request: kmock.Request) -> kmock.KubernetesError:
        if self.code == 403 and self.message is None:
            return forbidden(request, self.user)
        if self.code == 404 and self.message is None:
            return resource_missing()
        reason, message = _STANDARD_FAULTS.get(self.code, ("Unknown", f"injected {self.code}"))
        return kmock.KubernetesError(self.code, reason, self.message or message, {})


# ------------------------------------------------------------------------------------------------
# CustomResourceDefinitions.
# ------------------------------------------------------------------------------------------------
def crd_manifest(
    group: str,
    kind: str,
    *,
    plural: str | None = None,
    versions: Iterable[str] = ("v1alpha1",),
    scope: str = "Namespaced",
    status: bool = True,
) -> Json:
    """A minimal CRD (schema: anything goes) for a kind whose upstream CRD is not at hand."""
    plural = plural or f"{kind.lower()}s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()},
            "scope": scope,
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": index == 0,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                    **({"subresources": {"status": {}}} if status else {}),
                }
                for index, version in enumerate(versions)
            ],
        },
    }


INLINE_CRDS: dict[str, Json] = {
    crd["metadata"]["name"]: crd
    for crd in (
        crd_manifest("platform.kratix.io", "Promise", scope="Cluster"),
        crd_manifest("platform.kratix.io", "Destination", scope="Cluster"),
        crd_manifest("platform.kratix.io", "Work"),
        crd_manifest("external-secrets.io", "ExternalSecret", versions=("v1",)),
        crd_manifest("external-secrets.io", "ClusterSecretStore", versions=("v1",), scope="Cluster"),
        crd_manifest("helm.toolkit.fluxcd.io", "HelmRelease", versions=("v2",)),
        crd_manifest("source.toolkit.fluxcd.io", "HelmRepository", plural="helmrepositories", versions=("v1",)),
        crd_manifest("argoproj.io", "Application", versions=("v1alpha1",)),
    )
}
UPSTREAM_CRD_FILES = {
    "promises.platform.kratix.io": "kratix/platform.kratix.io_promises.yaml",
    "destinations.platform.kratix.io": "kratix/platform.kratix.io_destinations.yaml",
    "works.platform.kratix.io": "kratix/platform.kratix.io_works.yaml",
    "externalsecrets.external-secrets.io": "external-secrets/external-secrets.io_externalsecrets.yaml",
    "clustersecretstores.external-secrets.io": "external-secrets/external-secrets.io_clustersecretstores.yaml",
    "helmreleases.helm.toolkit.fluxcd.io": "flux/helm.toolkit.fluxcd.io_helmreleases.yaml",
    "helmrepositories.source.toolkit.fluxcd.io": "flux/source.toolkit.fluxcd.io_helmrepositories.yaml",
    "applications.argoproj.io": "argocd/application-crd.yaml",
}


def crd(name: str) -> CrdSource:
    """The vendored upstream CRD file of a kind."""
    return UPSTREAM_CRDS / UPSTREAM_CRD_FILES[name]


def load_crds(source: CrdSource) -> list[Json]:
    """The CRDs in a manifest, a YAML file (several documents allowed) or a YAML string."""
    if isinstance(source, Mapping):
        docs: list[Any] = [source]
    else:
        text = source.read_text() if isinstance(source, Path) else source
        docs = list(yaml.safe_load_all(text))
    crds = [dict(d) for d in docs if isinstance(d, Mapping) and d.get("kind") == "CustomResourceDefinition"]
    if not crds:
        raise ValueError(f"no CustomResourceDefinition in {source!r:.80}")
    return crds


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _api_version(resource: Any) -> str:
    return f"{resource.group}/{resource.version}" if resource.group else str(resource.version)


def copy_json(value: Any) -> Any:
    """copy.deepcopy for JSON-shaped data, several times faster: dicts, lists and scalars are rebuilt,
    anything else is deep-copied. (A dict met twice is copied twice: nothing here shares or mutates.)"""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_apply(request: kmock.Request) -> bool:
    return any(k.lower() == "content-type" and "apply-patch" in v for k, v in request.headers.items())


# ------------------------------------------------------------------------------------------------
# Speed. Stock kmock 0.8 answers each request after replaying every past request through every
# reaction's filters (`request in view`), and finds objects by scanning every stored object: with
# thousands of objects or requests, one answer takes tens to hundreds of milliseconds.
# ------------------------------------------------------------------------------------------------
ObjectKey = tuple[Any, str | None, str]  # (resource, namespace, name): kmock's key of a stored object


class _IndexedObjects(dict[ObjectKey, kmock.Object]):
    """kmock's dict of stored objects, also keeping each resource's keys (sorted on demand).

    It replaces the dict inside `KubeEmulator.objects`, so every way kmock or this module adds or
    removes a key goes through it. Soft deletion (kmock keeps a deleted object's key and history)
    changes no key; readers check `.deleted`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[Any, dict[ObjectKey, None]] = {}  # resource -> its keys, in insertion order
        self._sorted: dict[Any, list[ObjectKey]] = {}  # resource -> its keys by namespace/name

    def resources(self) -> list[Any]:
        """The resources that have (or had) objects, in the order their first object came."""
        return list(self._keys)

    def sorted_keys(self, resource: Any) -> list[ObjectKey]:
        """A resource's keys by namespace ("" for cluster-scoped) and name, as lists are ordered."""
        keys = self._sorted.get(resource)
        if keys is None:
            keys = sorted(self._keys.get(resource, ()), key=lambda key: (key[1] or "", key[2]))
            self._sorted[resource] = keys
        return keys

    def __setitem__(self, key: ObjectKey, value: kmock.Object) -> None:
        if key not in self:
            self._keys.setdefault(key[0], {})[key] = None
            self._sorted.pop(key[0], None)
        super().__setitem__(key, value)

    def __delitem__(self, key: ObjectKey) -> None:
        super().__delitem__(key)
        keys = self._keys[key[0]]
        del keys[key]
        if not keys:
            del self._keys[key[0]]
        self._sorted.pop(key[0], None)

    def pop(self, key: ObjectKey, *default: Any) -> Any:
        if key not in self:
            return super().pop(key, *default)
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[ObjectKey, kmock.Object]:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: ObjectKey, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> _IndexedObjects:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        super().clear()
        self._keys.clear()
        self._sorted.clear()


class _Encoded:
    """One version of a stored object, its labels, and its JSON (written when first asked for).

    A write stores a new version (kmock never changes one in place), so an entry is current while
    its version is the object's last one.
    """

    __slots__ = ("_json", "labels", "raw", "version")

    def __init__(self, version: kmock.ObjectVersion) -> None:
        self.version = version
        self.raw = version.raw
        self.labels: Mapping[str, str] = (self.raw.get("metadata") or {}).get("labels") or {}
        self._json: str | None = None

    @property
    def json(self) -> str:
        if self._json is None:
            self._json = json.dumps(self.raw)
        return self._json


def _sees(view: kmock.View, request: kmock.Request) -> bool:
    """`request in view` for the request being served, without replaying every past request.

    Filters and priorities over the handler (all the emulator's own reactions) are checked on this
    one request: the handler has it (kmock logs it before handling), a filter passes it when its
    source does and its criteria hold (in that order, as kmock evaluates them). Any other view
    (slices, groups, exclusions, streams) keeps kmock's own check.
    """
    kind = type(view)
    if kind is kmock.Filter:
        return _sees(view._source, request) and bool(view.criteria(request))  # type: ignore[attr-defined]
    if kind is kmock.Priority:
        return _sees(view._source, request)  # type: ignore[attr-defined]
    if isinstance(view, kmock.RawHandler):
        return any(logged is request for logged in reversed(view._requests))
    return request in view


def _by_priority(payloads: list[kmock.Reaction]) -> list[kmock.Reaction]:
    """As kmock.RawHandler._handle (0.8) orders them: highest priority first, padded with zeros, stable."""
    priorities = [payload.priorities for payload in payloads]
    width = max((len(priority) for priority in priorities), default=0)
    padded = [tuple(-p for p in priority) + (0,) * (width - len(priority)) for priority in priorities]
    return [payloads[index] for index in sorted(range(len(padded)), key=lambda index: padded[index])]


class _DirectMatching(kmock.RawHandler):
    """kmock's choice of the reaction that answers a request, with `_sees` instead of `request in view`."""

    __slots__ = ()

    def _reactions(self) -> list[kmock.Reaction]:
        return _by_priority(self._payloads)

    async def _handle(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        for payload in self._reactions():
            if _sees(payload._source, request) and not payload._disabled.is_set():
                try:
                    return await payload(request)
                except kmock.ReactionMismatchError:
                    payload._disabled.set()
                except NotImplementedError:
                    pass
        raise NotImplementedError(
            "Undefined server behaviour: no reaction matching the request is defined. "
            "Consider adding a catch-all fallback reaction: `kmock.fallback << 404`."
        )


# ------------------------------------------------------------------------------------------------
# The emulator.
# ------------------------------------------------------------------------------------------------
@attrs.define(kw_only=True)
class KubeEmulator(kmock.KubernetesEmulator, _DirectMatching):
    """kmock's KubernetesEmulator answering with the shapes kube-apiserver gives.

    * only registered resources are served (builtins + installed CRDs); anything else is the
      apiserver's 404 `NotFound` "the server could not find the requested resource";
    * create: 201, metadata uid/resourceVersion/creationTimestamp/generation, kind/apiVersion;
      409 `AlreadyExists`; Secret stringData folded into data;
    * a missing object: 404 `NotFound` `<plural>.<group> "<name>" not found` with details;
    * list: `<Kind>List` with apiVersion, labelSelector and fieldSelector, sorted by namespace/name,
      in pages with `limit`/`continue` (later pages from the first page's snapshot);
    * PUT replaces; server-side apply creates a missing object; `/status` changes only status and
      the main resource leaves status alone when the kind has a status subresource;
    * pods/<name>/log: text/plain from `pod_logs[ns, pod]` or `[ns, "pod/container"]`, tailLines;
    * watch: timeoutSeconds and labelSelector; creating a CRD through the API registers its kind;
    * `faults`, `latency` and `requests_log` (method, path) for tests.
    """

    pod_logs: dict[tuple[str, str], str] = attrs.field(factory=dict)
    latency: float = 0.0  # seconds added to every request (a remote or slow API server)
    faults: list[Fault] = attrs.field(factory=list)
    requests_log: list[tuple[str, str]] = attrs.field(factory=list)
    queries_log: list[dict[str, str]] = attrs.field(factory=list)  # each request's query, as requests_log
    _list_snapshots: dict[str, list[_Encoded]] = attrs.field(factory=dict, init=False)  # paged lists in progress
    # Each stored object's version last listed, with its labels and JSON. Change stored objects by
    # requests or seed_object, never in place (seed() hands back copies of what it stored).
    _encoded: dict[ObjectKey, _Encoded] = attrs.field(factory=dict, init=False)
    # (group, version, kind) -> the first served resource of that kind, as resource_of finds it; valid
    # while the number of resources is `_kinds_for` (register_crd, which may replace one, clears it).
    _kinds: dict[tuple[str, str, str], tuple[Any, kmock.ResourceInfo]] = attrs.field(factory=dict, init=False)
    _kinds_for: int = attrs.field(default=-1, init=False)
    # The reactions by priority, while the reactions are these (kmock replaces one on each `<<`).
    _ordered: tuple[list[Any], list[Any]] = attrs.field(factory=lambda: ([], []), init=False)
    _rv: Iterator[int] = attrs.field(factory=lambda: itertools.count(1000), init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self.objects, "_objects", _IndexedObjects())  # before anything is stored
        super().__attrs_post_init__()
        # Sub-fallbacks: below any reaction a test adds, above the stock fallbacks. Static status and
        # headers go on the reaction: a callback returning kmock.Response would mutate the shared one.
        sub = self.fallback**1
        named = sub[lambda req: req.resource is not None and req.name is not None]
        sub[kmock.action.CREATE] << 201 << self._serve_create
        named[kmock.method.PUT] << self._serve_replace
        sub[kmock.action.FETCH][kmock.subresource("log")] << {"Content-Type": "text/plain"} << self._serve_log
        kinds = sub[lambda req: req.resource is not None and req.resource.plural is not None]  # not /api/v1
        kinds[kmock.action.LIST] << {"Content-Type": "application/json; charset=utf-8"} << self._serve_list
        sub["get /apis/"] << self._serve_apis  # ApisApi and VersionApi ask with a trailing slash
        sub["get /api/"] << self._serve_api
        sub["get /version/"] << self._serve_server_version

    def _reactions(self) -> list[kmock.Reaction]:
        seen = self._ordered[0]
        if len(seen) != len(self._payloads) or any(a is not b for a, b in zip(seen, self._payloads, strict=True)):
            self._ordered = list(self._payloads), _by_priority(self._payloads)
        return self._ordered[1]

    # seeding ------------------------------------------------------------------------------------
    def register_crd(self, manifest: Mapping[str, Any]) -> None:
        """Serve the kind of a CRD (its served versions), as the apiserver does once it is created."""
        spec = manifest["spec"]
        names = spec["names"]
        self._kinds_for = -1
        for version in spec.get("versions", []):
            if not version.get("served", True):
                continue
            self.resources[f"{spec['group']}/{version['name']}/{names['plural']}"] = kmock.ResourceInfo(
                kind=names["kind"],
                singular=names.get("singular") or names["kind"].lower(),
                shortnames=set(names.get("shortNames", [])),
                categories=set(names.get("categories", [])),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                verbs={"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"},
                subresources={"status"} if "status" in (version.get("subresources") or {}) else set(),
            )

    def resource_of(self, api_version: str, kind: str) -> tuple[Any, kmock.ResourceInfo]:
        if self._kinds_for != len(self.resources):
            self._kinds = {}
            for res, info in self.resources._resources.items():  # not by key: kmock parses each key
                if info.kind is not None and "/" not in res.plural:
                    self._kinds.setdefault((res.group, res.version, info.kind), (res, info))
            self._kinds_for = len(self.resources)
        group, _, version = api_version.rpartition("/")
        found = self._kinds.get((group, version, kind))
        if found is None:
            raise LookupError(f"{api_version} {kind} is not served: install its CRD first")
        return found

    def seed_object(self, manifest: Mapping[str, Any]) -> Json:
        """Store an object as if a client had created it (a CRD also starts being served)."""
        obj = copy_json(dict(manifest))
        res, info = self.resource_of(obj["apiVersion"], obj["kind"])
        meta = obj.setdefault("metadata", {})
        if info.namespaced:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        self._stamp(obj)
        if obj["kind"] == "Secret" and "stringData" in obj:
            obj.setdefault("data", {}).update(_b64(obj.pop("stringData")))
        if info.namespaced and not self._namespace_exists(meta["namespace"]):
            self.seed_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": meta["namespace"]}})
        self.objects[res, meta.get("namespace"), meta["name"]] = obj
        if res == CRDS:
            self.register_crd(obj)
        return obj

    def _namespace_exists(self, name: str) -> bool:
        key = (NAMESPACES, None, name)
        return key in self.objects and not self.objects[key].deleted

    def _stamp(self, obj: Json) -> None:
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", _now())
        meta.setdefault("generation", 1)
        meta["resourceVersion"] = str(next(self._rv))

    # request handling ---------------------------------------------------------------------------
    async def _handle(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        self.requests_log.append((request.method.value, request.url.path))
        self.queries_log.append(dict(request.url.query))
        if self.latency:
            await asyncio.sleep(self.latency)
        self._inject_fault(request)
        res = request.resource
        if res is not None and res.plural is not None:
            if res not in self.resources._resources:  # `in self.resources` parses the key (slow)
                raise resource_missing()
            if request.action == kmock.action.CREATE and isinstance(request.data, dict):
                self._prepare_create(request)
            elif request.action == kmock.action.UPDATE and request.name is not None:
                await self._prepare_update(request)
        try:
            return await super()._handle(request)
        except KubernetesObjectConflictError as err:
            name = (request.data or {}).get("metadata", {}).get("name")
            raise already_exists(res, name) from err
        except kmock.KubernetesObjectNotFoundError as err:
            raise object_missing(res, request.name) from err

    def _inject_fault(self, request: kmock.Request) -> None:
        for fault in list(self.faults):
            if not fault.matches(request):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            raise fault.error(request)

    @staticmethod
    def _set(request: kmock.Request, **fields: Any) -> None:
        for key, value in fields.items():
            object.__setattr__(request, key, value)  # kmock.Request is frozen; rewrite before storing

    def _has_status(self, resource: Any) -> bool:
        return "status" in self.resources[resource].subresources

    def _prepare_create(self, request: kmock.Request) -> None:
        res = request.resource
        info = self.resources[res]
        if info.namespaced and request.namespace and not self._namespace_exists(request.namespace):
            raise object_missing(NAMESPACES, request.namespace)  # as the NamespaceLifecycle admission
        data = copy.deepcopy(request.data)
        meta = data.setdefault("metadata", {})
        if request.namespace:
            meta.setdefault("namespace", request.namespace)
        self._stamp(data)
        if info.kind:
            data.setdefault("kind", info.kind)
            data.setdefault("apiVersion", _api_version(res))
        if self._has_status(res):
            data.pop("status", None)
        if res == SECRETS and "stringData" in data:
            data.setdefault("data", {}).update(_b64(data.pop("stringData")))
        self._set(request, data=data)
        if res == CRDS:
            self.register_crd(data)

    async def _prepare_update(self, request: kmock.Request) -> None:
        data = request.data
        if request.subresource == "status":
            if isinstance(data, dict):
                data = {"status": data["status"]} if "status" in data else {}
            else:
                data = [op for op in data or [] if str(op.get("path", "")).startswith("/status")]
        elif request.subresource is None and isinstance(data, dict) and self._has_status(request.resource):
            data = {k: v for k, v in data.items() if k != "status"}
        rv = str(next(self._rv))
        if isinstance(data, dict):
            data = {**data, "metadata": {**(data.get("metadata") or {}), "resourceVersion": rv}}
        else:
            data = [*(data or []), {"op": "add", "path": "/metadata/resourceVersion", "value": rv}]
        self._set(request, data=data)
        key = (request.resource, request.namespace, request.name)
        if _is_apply(request) and (key not in self.objects or self.objects[key].deleted):
            if request.namespace and not self._namespace_exists(request.namespace):
                raise object_missing(NAMESPACES, request.namespace)
            await self._apply_create(request, key)

    async def _apply_create(self, request: kmock.Request, key: tuple[Any, str | None, str]) -> None:
        """Server-side apply of a missing object creates it."""
        body = copy.deepcopy(request.data)
        meta = body.setdefault("metadata", {})
        if request.namespace:
            meta["namespace"] = request.namespace
        self._stamp(body)
        async with self._lock:
            if key in self.objects:
                self.objects[key].create(body)
            else:
                self.objects[key] = body
            await self._buses[request.resource].put({"type": "ADDED", "object": self.objects[key].raw})

    async def _serve_replace(self, request: kmock.Request) -> Json:
        key = (request.resource, request.namespace, request.name)
        async with self._lock:
            if key not in self.objects or self.objects[key].deleted:
                raise object_missing(request.resource, request.name)
            old = self.objects[key].raw
            new = copy.deepcopy(request.data)
            if request.subresource == "status":
                new = {**copy.deepcopy(old), "status": new.get("status")}
            elif self._has_status(request.resource):
                new.pop("status", None)
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
            kept = ("uid", "creationTimestamp", "namespace", "generation")
            old_meta = old.get("metadata", {})
            new.setdefault("metadata", {}).update({k: old_meta[k] for k in kept if k in old_meta})
            new["metadata"]["resourceVersion"] = str(next(self._rv))
            self.objects[key].history.append(new)
            await self._buses[request.resource].put({"type": "MODIFIED", "object": new})
        return new

    @property
    def _store(self) -> _IndexedObjects:
        return self.objects._objects  # type: ignore[no-any-return]  # set in __attrs_post_init__

    async def _serve_list(self, request: kmock.Request) -> bytes:
        """The JSON of a list, assembled from each object's cached JSON (what json.dumps would write)."""
        res = request.resource
        kind = self.resources[res].kind or "List"
        limit = int(request.params.get("limit") or 0)
        token = request.params.get("continue") or ""
        if token:  # later pages come from the snapshot the first page was cut from, as the apiserver's do
            snapshot_id, _, offset = token.partition(":")
            items = self._list_snapshots.get(snapshot_id)
            if items is None or not offset.isdigit():
                raise kmock.KubernetesError(status=410, reason="Expired", message="the continue token is too old")
            return self._page(res, kind, items, (int(offset), limit), snapshot_id)
        items = await self._matching(request)
        if not limit or len(items) <= limit:
            return _list_body(res, kind, {"resourceVersion": str(next(self._rv))}, items)
        snapshot_id = str(next(self._rv))
        self._list_snapshots[snapshot_id] = items
        return self._page(res, kind, items, (0, limit), snapshot_id)

    def _page(self, res: Any, kind: str, items: list[_Encoded], window: tuple[int, int], snapshot_id: str) -> bytes:
        """One page (start, limit) of a list snapshot; `continue` names the snapshot and the next offset."""
        start, limit = window
        page = items[start : start + limit] if limit else items[start:]
        meta: Json = {"resourceVersion": snapshot_id}
        rest = len(items) - start - len(page)
        if rest > 0:
            meta |= {"continue": f"{snapshot_id}:{start + len(page)}", "remainingItemCount": rest}
        else:
            self._list_snapshots.pop(snapshot_id, None)
        return _list_body(res, kind, meta, page)

    async def _matching(self, request: kmock.Request) -> list[_Encoded]:
        """The stored objects (versions, JSON written on demand) a list asks for, sorted by namespace/name."""
        res, namespace = request.resource, request.namespace
        labels = label_matcher(request.params.get("labelSelector", ""))
        field_selector = request.params.get("fieldSelector", "")
        fields = field_matcher(field_selector) if field_selector else None
        found = []
        async with self._lock:
            store = self._store
            for key in store.sorted_keys(res):
                if namespace is not None and key[1] != namespace:
                    continue
                obj = store[key]
                if obj.deleted:
                    continue
                version = obj.last
                entry = self._encoded.get(key)
                if entry is None or entry.version is not version:
                    entry = self._encoded[key] = _Encoded(version)
                if labels(entry.labels) and (fields is None or fields(entry.raw)):
                    found.append(entry)  # its JSON is written when a page holds it
        return found

    # kmock finds one object by scanning them all: look it up by its key instead -----------------
    def _stored(self, request: kmock.Request, namespace: str | None, name: str) -> kmock.Object | None:
        return self._store.get((request.resource, namespace, name))

    async def _serve_fetch(self, request: kmock.Request) -> Any:
        if request.name is None:
            return await super()._serve_fetch(request)
        async with self._lock:
            obj = self._stored(request, request.namespace, request.name)
        if obj is None or obj.deleted:
            raise kmock.KubernetesObjectNotFoundError()
        return obj.raw

    async def _serve_create(self, request: kmock.Request) -> Any:
        meta = request.data.get("metadata", {})
        namespace, name = request.namespace or meta.get("namespace"), request.name or meta.get("name")
        if name is None:
            return await super()._serve_create(request)
        async with self._lock:
            obj = self._stored(request, namespace, name)
        assert obj is not None  # stored by kmock's _handle
        return obj.raw

    async def _serve_update(self, request: kmock.Request) -> Any:
        if request.name is None:
            return await super()._serve_update(request)
        async with self._lock:
            obj = self._stored(request, request.namespace, request.name)
        assert obj is not None  # updated by kmock's _handle
        return obj.last.raw

    async def _serve_delete(self, request: kmock.Request) -> Any:
        if request.name is None:
            return await super()._serve_delete(request)
        async with self._lock:
            obj = self._stored(request, request.namespace, request.name)
        assert obj is not None  # deleted by kmock's _handle
        return obj.last.raw

    def _get_resources(self) -> list[Any]:
        """As kmock's: the declared resources and those of stored objects (without scanning the objects)."""
        result = set(kmock.KubernetesScaffold._get_resources(self))
        result.update(self._store.resources())
        return list(result)

    async def _serve_watch(self, request: kmock.Request) -> AsyncIterator[Any]:
        timeout = float(request.params.get("timeoutSeconds") or 0) or None
        selector = request.params.get("labelSelector", "")
        labels = label_matcher(selector)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        stream = super()._serve_watch(request)
        try:
            while True:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    break
                try:
                    item = await asyncio.wait_for(anext(stream), remaining)
                except (StopAsyncIteration, TimeoutError):
                    break
                if isinstance(item, dict) and selector:
                    obj_labels = ((item.get("object") or {}).get("metadata") or {}).get("labels") or {}
                    if not labels(obj_labels):
                        continue
                yield item
        finally:
            await stream.aclose()

    async def _serve_log(self, request: kmock.Request) -> bytes:
        try:
            await self._serve_fetch(request)
        except kmock.KubernetesObjectNotFoundError as err:
            raise object_missing(request.resource, request.name) from err
        text = self.pod_logs.get((request.namespace or "", request.name or ""), "")
        if container := request.params.get("container"):
            text = self.pod_logs.get((request.namespace or "", f"{request.name}/{container}"), text)
        if tail := request.params.get("tailLines"):
            text = "".join(text.splitlines(keepends=True)[-int(tail) :])
        return text.encode()

    async def _serve_version(self, request: kmock.Request) -> Any:
        data = await super()._serve_version(request)
        if str(data.get("groupVersion", "")).startswith("/"):
            data["groupVersion"] = data["groupVersion"][1:]  # "/v1" -> "v1": clients look core kinds up
        for entry in data.get("resources", []):
            if "/" in entry.get("name", ""):
                entry["shortNames"], entry["categories"] = [], []  # subresources have neither
        return data

    async def _render_error(self, exc: Exception) -> aiohttp.web.StreamResponse:
        if isinstance(exc, kmock.KubernetesNotFoundError):  # kmock's own 404s: unknown path or resource
            exc = resource_missing()
        if isinstance(exc, kmock.KubernetesError):
            body = status_body(exc.status, exc.reason or "Unknown", exc.message or "", exc.details)
            return aiohttp.web.json_response(body, status=exc.status)
        traceback.print_exception(exc, file=sys.stderr)  # a bug in the emulator: show it in the test
        body = status_body(500, "InternalError", f"Internal error occurred: {exc!r}")
        return aiohttp.web.json_response(body, status=500)


def _list_body(resource: Any, kind: str, meta: Json, items: list[_Encoded]) -> bytes:
    """json.dumps of {apiVersion, kind, metadata, items}, with the items' JSON already written."""
    head = json.dumps({"apiVersion": _api_version(resource), "kind": f"{kind}List", "metadata": meta})
    return f'{head[:-1]}, "items": [{", ".join(item.json for item in items)}]}}'.encode()


def _b64(values: Mapping[str, str]) -> dict[str, str]:
    return {k: base64.b64encode(str(v).encode()).decode() for k, v in values.items()}


# ------------------------------------------------------------------------------------------------
# Running it: a thread with its own event loop (the sync client would block a shared loop).
# ------------------------------------------------------------------------------------------------
@functools.cache
def _builtin_resources() -> bytes:
    """kmock's bundled discovery of builtin kinds (a K3s cluster's), read once per process."""
    return gzip.decompress(importlib.resources.files("kmock._internal").joinpath("resources.json.gz").read_bytes())


@functools.cache
def _builtin_kinds() -> dict[Any, kmock.ResourceInfo]:
    """The builtin kinds as kmock loads them (parsed once per process: ~10 ms per server otherwise)."""
    loaded = kmock.ResourcesArray()
    loaded.load_data(_builtin_resources())
    return dict(loaded._resources)


def load_builtin_kinds(resources: kmock.ResourcesArray) -> None:
    """As `resources.load_data(_builtin_resources())`, with fresh ResourceInfo objects (they are mutable)."""
    for res, info in _builtin_kinds().items():
        resources._resources[res] = attrs.evolve(info)


class _QuickStopServer(aiohttp.test_utils.RawTestServer):
    """aiohttp waits up to 60 s for open requests (watches, kept-alive sockets) on shutdown: 0.1 s."""

    async def _make_runner(self, debug: bool = True, **kwargs: Any) -> Any:
        runner = await super()._make_runner(debug=debug, **kwargs)
        runner._shutdown_timeout = 0.1
        return runner


class EmulatorThread:
    """A KubeEmulator serving on 127.0.0.1 from a daemon thread; every helper is thread-safe."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host, self.port = host, port
        self.url = ""
        self.emu: KubeEmulator | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10) -> EmulatorThread:
        apply_parser_fixes()
        self._thread = threading.Thread(target=self._run, name="kube-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the Kubernetes emulator did not start")
        if self._error is not None:
            raise RuntimeError("the Kubernetes emulator failed to start") from self._error
        return self

    def stop(self, timeout: float = 10) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:  # reported by start()
            self._error = err
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with (
            KubeEmulator() as emu,
            kmock.Server(emu, host=self.host, port=self.port, server_cls=_QuickStopServer) as srv,
        ):
            load_builtin_kinds(emu.resources)
            self.emu, self.port = emu, srv.port
            self.url = f"http://{srv.host}:{srv.port}"
            self._ready.set()
            await self._stop.wait()

    # helpers (run inside the emulator's loop) ----------------------------------------------------
    def call(self, fn: Callable[[KubeEmulator], Any], timeout: float = 10) -> Any:
        """Run fn(emulator) in the emulator's thread: seeding and faults never race a request."""
        assert self._loop is not None and self.emu is not None, "start() the emulator first"
        emu = self.emu
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(emu))
            except BaseException as err:
                future.set_exception(err)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def seed(self, *manifests: Mapping[str, Any]) -> list[Json]:
        """Store objects as controllers or users would have created them; returns copies of them, stamped.

        Copies: the server caches what it stores, so a stored object must never change in place.
        """
        stored = self.call(lambda emu: [emu.seed_object(m) for m in manifests])
        return copy_json(stored)  # type: ignore[no-any-return]

    def install_crd(self, *sources: CrdSource) -> list[str]:
        """Install CRDs (manifest, YAML file or text): their kinds are served from now on."""
        crds = [c for source in sources for c in load_crds(source)]
        self.seed(*crds)
        return [c["metadata"]["name"] for c in crds]

    def fail(
        self,
        code: int,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        message: str | None = None,
    ) -> Fault:
        """Make matching requests fail with a Status body (`times` requests, or until clear_faults)."""
        fault = Fault(code, method=method, path=path, times=times, message=message)
        self.call(lambda emu: emu.faults.append(fault))
        return fault

    def clear_faults(self) -> None:
        self.call(lambda emu: emu.faults.clear())

    def set_latency(self, seconds: float) -> None:
        self.call(lambda emu: setattr(emu, "latency", seconds))

    def set_pod_log(self, namespace: str, pod: str, text: str, container: str | None = None) -> None:
        key = (namespace, f"{pod}/{container}" if container else pod)
        self.call(lambda emu: emu.pod_logs.__setitem__(key, text))

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Json | None:
        """The stored object, or None (reads state without making a request)."""

        def read(emu: KubeEmulator) -> Json | None:
            res, info = emu.resource_of(api_version, kind)
            key = (res, (namespace or "default") if info.namespaced else None, name)
            if key not in emu.objects or emu.objects[key].deleted:
                return None
            return copy_json(emu.objects[key].raw)  # type: ignore[no-any-return]

        return self.call(read)  # type: ignore[no-any-return]

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every request served so far, as (METHOD, path)."""
        return self.call(lambda emu: list(emu.requests_log))  # type: ignore[no-any-return]

    def queries(self, path: str) -> list[dict[str, str]]:
        """The query of every GET of this exact path so far (labelSelector, limit, continue...)."""

        def read(emu: KubeEmulator) -> list[dict[str, str]]:
            served = zip(emu.requests_log, emu.queries_log, strict=True)
            return [q for (m, p), q in served if (m, p) == ("GET", path)]

        return self.call(read)  # type: ignore[no-any-return]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests had this method and a path starting with `path`."""
        return sum(
            1
            for m, p in self.requests
            if (method is None or m == method.upper()) and (path is None or p.startswith(path))
        )

    def writes(self) -> list[tuple[str, str]]:
        """The requests that could have changed something (POST, PUT, PATCH, DELETE)."""
        return [(m, p) for m, p in self.requests if m not in {"GET", "HEAD", "OPTIONS"}]

    def bearer_tokens(self) -> list[str]:
        """The bearer token of every request so far ("" when none): which context's user called."""

        def tokens(emu: KubeEmulator) -> list[str]:
            headers = (dict(request.headers) for request in emu)
            return [h.get("Authorization", "").removeprefix("Bearer ") for h in headers]

        return self.call(tokens)  # type: ignore[no-any-return]

    def forget_requests(self) -> None:
        self.call(lambda emu: (emu.requests_log.clear(), emu.queries_log.clear()))

    def api_client(self) -> Any:
        """A plain kubernetes ApiClient for this server (no kubeconfig involved)."""
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.url
        return client.ApiClient(configuration)


# ------------------------------------------------------------------------------------------------
# Kubeconfig files.
# ------------------------------------------------------------------------------------------------
def kubeconfig_text(servers: Mapping[str, str], current: str) -> str:
    """A kubeconfig with one context per name (cluster, user and context share it; token-<name>)."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in servers.items()],
        "users": [{"name": n, "user": {"token": f"token-{n}"}} for n in servers],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in servers],
        "current-context": current,
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ------------------------------------------------------------------------------------------------
# Process mode.
# ------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a Kubernetes API emulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--seed", type=Path, help="JSON list of manifests (CRDs among them are installed)")
    parser.add_argument("--crd", type=Path, action="append", default=[], help="a CRD YAML file (repeatable)")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--kubeconfig", type=Path, help="write a kubeconfig (context 'emulator') here")
    args = parser.parse_args(argv)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with EmulatorThread(port=args.port or None) as kube:
        if args.crd:
            kube.install_crd(*args.crd)
        manifests = json.loads(args.seed.read_text()) if args.seed else []
        crds = [m for m in manifests if m.get("kind") == "CustomResourceDefinition"]
        kube.seed(*crds, *(m for m in manifests if m not in crds))
        kube.set_latency(args.latency)
        if args.kubeconfig:
            args.kubeconfig.write_text(kubeconfig_text({"emulator": kube.url}, "emulator"))
        print(kube.url, flush=True)  # the parent reads the URL from the first line
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()


class EmulatorProcess:
    """`python -m tests.kube.emulator` as a child process, for code under test run as a subprocess."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        command = [sys.executable, "-m", "tests.kube.emulator", "--port", "0", *self.args]
        self._proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self._proc.kill()
            _, err = self._proc.communicate(timeout=10)
            raise RuntimeError(f"the emulator process did not start: {err.strip()[-500:]}")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: object, tb: TracebackType | None) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()


if __name__ == "__main__":
    main(sys.argv[1:])
