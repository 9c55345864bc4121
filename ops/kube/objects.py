"""Any kind, by apiVersion and kind: get, list, server-side apply, delete, patch.

One discovery request per group-version (cached on the Kube) maps a kind to its plural and scope,
so manifests from files and custom resources need no per-kind code.

    applied = apply_object(kube, manifest)          # created / configured / unchanged
    print(applied)                                  # "HelmRelease team-a/datadog configured"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ops.kube.errors import ApiCall, ApiError, CrdMissing, GarbledAnswer, NotFound
from ops.kube.reads import list_json

if TYPE_CHECKING:
    from ops.kube.client import Kube

FIELD_MANAGER = "kratix-ops"
# An apply is decided on the object as read and written with that resourceVersion: when someone
# else wrote in between (409 Conflict), read and decide again, this many times in all.
APPLY_ATTEMPTS = 3
Json = dict[str, Any]


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None, subresource: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace)}"
        base += f"/{self.plural}"
        if name:
            base += f"/{quote(name)}"
        if subresource:
            base += f"/{subresource}"
        return base


@dataclass(frozen=True)
class ObjectRef:
    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def of(cls, manifest: Json) -> ObjectRef:
        meta = manifest.get("metadata") or {}
        return cls(str(manifest["apiVersion"]), str(manifest["kind"]), str(meta["name"]), meta.get("namespace"))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass(frozen=True)
class Applied:
    """What apply did (or, under dry_run, would do): created, configured or unchanged."""

    ref: ObjectRef
    action: str
    dry_run: bool = False
    before: Json | None = field(default=None, compare=False, repr=False)  # the object the decision was made on

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"

    def __str__(self) -> str:
        verb = (
            {"created": "would be created", "configured": "would be configured"}.get(self.action, self.action)
            if self.dry_run
            else self.action
        )
        return f"{self.ref} {verb}"


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def resource_for(kube: Kube, api_version: str, kind: str) -> Resource:
    """The REST resource serving `kind`; CrdMissing when its group-version or kind is not served."""
    cache: dict[str, dict[str, Resource]] = kube.__dict__.setdefault("_resources", {})
    if api_version not in cache:
        group, version = split_api_version(api_version)
        path = f"/apis/{api_version}" if group else f"/api/{version}"
        try:
            listing = _request(kube, ApiCall("list", group, kind), "GET", path)
        except NotFound as err:
            raise CrdMissing(group, kind) from err
        cache[api_version] = _resources(kube, ApiCall("list", group, kind), group, version, listing)
    found = cache[api_version].get(kind)
    if found is None:
        raise CrdMissing(split_api_version(api_version)[0], kind)
    return found


def _resources(kube: Kube, call: ApiCall, group: str, version: str, listing: Json) -> dict[str, Resource]:
    """The kinds an APIResourceList serves; GarbledAnswer when it is not one (never "nothing served")."""
    entries = listing.get("resources")
    if not isinstance(entries, list) or not all(
        isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("kind"), str) for r in entries
    ):
        raise GarbledAnswer(call, kube.server, "an API resource list without its resources")
    return {
        r["kind"]: Resource(group, version, r["name"], r["kind"], bool(r.get("namespaced")))
        for r in entries
        if "/" not in r["name"]
    }


def _request(
    kube: Kube,
    call: ApiCall,
    method: str,
    path: str,
    *,
    query: list[tuple[str, Any]] | None = None,
    body: Any = None,
    content_type: str | None = None,
) -> Json:
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type

    def send() -> Json:
        data = kube.api_client.call_api(
            path,
            method,
            query_params=query or [],
            header_params=headers,
            body=body,
            response_type="object",
            auth_settings=["BearerToken"],
            _return_http_data_only=True,
        )
        if not isinstance(data, dict):
            raise GarbledAnswer(call, kube.server, f"a {type(data).__name__}, not a JSON object")
        return data

    return kube.call(call, send)


def get_object(kube: Kube, api_version: str, kind: str, name: str, namespace: str | None = None) -> Json | None:
    """The live object, or None when it does not exist (a missing CRD still raises CrdMissing).

    An answer that is not an object of that name is GarbledAnswer, never "not there".
    """
    res = resource_for(kube, api_version, kind)
    call = ApiCall("get", res.group, kind, namespace, name)
    try:
        live = _request(kube, call, "GET", res.path(namespace, name))
    except NotFound:
        return None
    meta = live.get("metadata")
    if not isinstance(meta, dict) or meta.get("name") != name:
        raise GarbledAnswer(call, kube.server, f"an answer that is not the {kind} {name}")
    return live


def list_objects(
    kube: Kube, api_version: str, kind: str, namespace: str | None = None, label_selector: str | None = None
) -> list[Json]:
    """Every object of a kind (in one namespace, or all), page by page; a garbled page is GarbledAnswer."""
    res = resource_for(kube, api_version, kind)
    query = [("labelSelector", label_selector)] if label_selector else []
    items = list_json(kube, ApiCall("list", res.group, kind, namespace), res.path(namespace), query)
    for item in items:  # list items carry no kind/apiVersion
        item.setdefault("apiVersion", res.api_version)
        item.setdefault("kind", kind)
    return items


def contains(live: Any, desired: Any) -> bool:
    """True when everything `desired` says is already in `live` (server defaults may add more)."""
    if isinstance(desired, dict):
        return isinstance(live, dict) and all(k in live and contains(live[k], v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(live) == len(desired) and all(map(contains, live, desired))
    return bool(live == desired)


def apply_object(kube: Kube, manifest: Json, *, dry_run: bool = False, field_manager: str = FIELD_MANAGER) -> Applied:
    """Server-side apply. Reads first: an object that already says all this is left alone ("unchanged").

    The write carries the resourceVersion it was decided on, so a change someone made in between is
    never overwritten unseen: the server answers 409 and the object is read and decided again
    (APPLY_ATTEMPTS in all; then the 409 is raised as ApiError). With dry_run nothing is written.
    """
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        try:
            return _apply_once(kube, manifest, dry_run=dry_run, field_manager=field_manager)
        except ApiError as err:
            if err.status != 409 or attempt == APPLY_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _apply_once(kube: Kube, manifest: Json, *, dry_run: bool, field_manager: str) -> Applied:
    ref = ObjectRef.of(manifest)
    res = resource_for(kube, ref.api_version, ref.kind)
    namespace = ref.namespace if res.namespaced else None
    live = get_object(kube, ref.api_version, ref.kind, ref.name, namespace)
    desired = {k: v for k, v in manifest.items() if k != "status"}
    if live is not None and contains(live, desired):
        return Applied(ref, "unchanged", dry_run, live)
    action = "created" if live is None else "configured"
    if not dry_run:
        body = desired
        if live is not None:  # precondition: the object is still the one this decision was made on
            version = (live.get("metadata") or {}).get("resourceVersion")
            body = {**desired, "metadata": {**desired.get("metadata", {}), "resourceVersion": version}}
        _request(
            kube,
            ApiCall("patch" if live else "create", res.group, ref.kind, namespace, ref.name),
            "PATCH",
            res.path(namespace, ref.name),
            query=[("fieldManager", field_manager), ("force", "true")],
            body=body,
            content_type="application/apply-patch+yaml",
        )
    return Applied(ref, action, dry_run, live)


def patch_object(kube: Kube, ref: ObjectRef, patch: Json, *, subresource: str | None = None) -> Json:
    """A JSON merge patch (labels, annotations, a status field)."""
    res = resource_for(kube, ref.api_version, ref.kind)
    namespace = ref.namespace if res.namespaced else None
    return _request(
        kube,
        ApiCall("patch", res.group, ref.kind, namespace, ref.name),
        "PATCH",
        res.path(namespace, ref.name, subresource),
        body=patch,
        content_type="application/merge-patch+json",
    )


def delete_object(kube: Kube, ref: ObjectRef, *, dry_run: bool = False) -> bool:
    """Delete (foreground cascade); False when it was already gone. dry_run only looks."""
    res = resource_for(kube, ref.api_version, ref.kind)
    namespace = ref.namespace if res.namespaced else None
    if dry_run:
        return get_object(kube, ref.api_version, ref.kind, ref.name, namespace) is not None
    try:
        _request(
            kube,
            ApiCall("delete", res.group, ref.kind, namespace, ref.name),
            "DELETE",
            res.path(namespace, ref.name),
            body={"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"},
        )
    except NotFound:
        return False
    return True
