"""Write objects to the real API server as their controllers would: create, then PUT `/status`.

    seeder = Seeder(api)                      # api: an admin tests.realapi.server.Http
    seeder.seed(healthy_platform([Stack("production", "team-a")]))

Namespaces and nodes go first (the NamespaceLifecycle admission refuses objects in a namespace that
does not exist); the rest is written concurrently. An object that already exists is replaced in
place (its status too), so the same helper also turns a healthy platform into a broken one.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tests.realapi.server import ApiError, Http

Json = dict[str, Any]
FIRST = ("Namespace", "Node")
WORKERS = 12
# What the API server sets itself and refuses or ignores on create.
_SERVER_META = ("creationTimestamp", "deletionTimestamp", "resourceVersion", "uid", "managedFields", "generation")


@dataclass(frozen=True)
class Resource:
    path: str  # the collection, with {namespace} for namespaced kinds
    namespaced: bool
    status_subresource: bool  # else the status is part of the object (Argo CD's Application)

    def collection(self, namespace: str | None) -> str:
        return self.path.replace("{namespace}", namespace or "default")


class Seeder:
    def __init__(self, api: Http, workers: int = WORKERS) -> None:
        self.api = api
        self.workers = workers
        self._resources: dict[tuple[str, str], Resource] = {}
        self.requests = 0
        self._count = threading.Lock()

    def resource(self, api_version: str, kind: str) -> Resource:
        key = (api_version, kind)
        if key not in self._resources:
            base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
            listed = self.api.get(base)["resources"]
            names = {r["name"] for r in listed}
            for r in listed:
                if "/" in r["name"]:
                    continue
                path = f"{base}/namespaces/{{namespace}}/{r['name']}" if r["namespaced"] else f"{base}/{r['name']}"
                has_status = f"{r['name']}/status" in names
                self._resources[(api_version, r["kind"])] = Resource(path, r["namespaced"], has_status)
        return self._resources[key]

    def path_of(self, obj: Json) -> str:
        res = self.resource(obj["apiVersion"], obj["kind"])
        return f"{res.collection(obj['metadata'].get('namespace'))}/{obj['metadata']['name']}"

    def write(self, obj: Json) -> Json:
        """Create (or replace) one object, then write its status through `/status`."""
        obj = copy.deepcopy(obj)
        res = self.resource(obj["apiVersion"], obj["kind"])
        status = obj.pop("status", None) if res.status_subresource else None
        meta = obj["metadata"]
        for key in _SERVER_META:
            meta.pop(key, None)
        collection = res.collection(meta.get("namespace"))
        try:
            live = self.api.request("POST", collection, obj)
        except ApiError as err:
            if err.status != 409:
                raise
            current = self.api.get(f"{collection}/{meta['name']}")
            obj["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            live = self.api.request("PUT", f"{collection}/{meta['name']}", obj)
            self._counted(2)
        self._counted(1)
        if status is not None:
            live.pop("_status", None)
            live["status"] = status
            live = self.api.request("PUT", f"{collection}/{meta['name']}/status", live)
            self._counted(1)
        return live

    def _counted(self, requests: int) -> None:
        with self._count:
            self.requests += requests

    def seed(self, objects: Iterable[Json]) -> None:
        objects = list(objects)
        first = [o for o in objects if o["kind"] in FIRST]
        rest = [o for o in objects if o["kind"] not in FIRST]
        for batch in (first, rest):
            for obj in batch:  # discovery once per group-version, before the threads start
                self.resource(obj["apiVersion"], obj["kind"])
            with ThreadPoolExecutor(self.workers) as pool:
                list(pool.map(self.write, batch))

    def delete(self, obj: Json) -> None:
        self.api.request("DELETE", self.path_of(obj), ok=(404,))
