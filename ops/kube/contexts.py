"""The entries behind each kubeconfig context: its cluster (server, CA) and its user (credentials).

`kubernetes.config` turns a context into a client but does not say which server a context points at;
the fleet needs that to match contexts with the clusters Argo CD knows, and `cluster.add` to hand a
context's credentials to Argo CD. Files listed in $KUBECONFIG merge as kubectl merges them: the first
file that defines a name wins (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ops.kube.errors import BadKubeconfig, NoKubeconfig, UnknownContext

Json = dict[str, Any]


@dataclass(frozen=True)
class ContextEntry:
    """One context: its name, the server it points at, and the cluster and user entries (raw)."""

    name: str
    server: str
    cluster: Json = field(default_factory=dict, repr=False)
    user: Json = field(default_factory=dict, repr=False)  # may hold credentials: never print it
    base: Path | None = None  # the file that defined the cluster: relative file paths start there


def _documents(path: str) -> list[tuple[Path, Json]]:
    files = [Path(p).expanduser() for p in path.split(os.pathsep) if p]
    existing = [f for f in files if f.is_file()]
    if not existing:
        raise NoKubeconfig(path)
    found = []
    for file in existing:
        try:
            doc = yaml.safe_load(file.read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            raise BadKubeconfig(str(file), f"not readable YAML ({type(err).__name__})") from err
        if not isinstance(doc, dict):
            raise BadKubeconfig(str(file), "not a kubeconfig (no mapping at the top)")
        found.append((file, doc))
    return found


def _named(doc: Json, kind: str) -> list[tuple[str, Json]]:
    """(name, body) of each entry of `clusters`, `users` or `contexts` (kind without the s)."""
    items = doc.get(f"{kind}s") or []
    return [
        (str(item["name"]), dict(item.get(kind) or {})) for item in items if isinstance(item, dict) and item.get("name")
    ]


def context_entries(path: str) -> dict[str, ContextEntry]:
    """Every context of the kubeconfig file(s) `path` (os.pathsep-separated), with its server and user."""
    clusters: dict[str, tuple[Path, Json]] = {}
    users: dict[str, Json] = {}
    contexts: dict[str, Json] = {}
    for file, doc in _documents(path):
        for name, body in _named(doc, "cluster"):
            clusters.setdefault(name, (file, body))
        for name, body in _named(doc, "user"):
            users.setdefault(name, body)
        for name, body in _named(doc, "context"):
            contexts.setdefault(name, body)
    entries = {}
    for name, context in contexts.items():
        base, cluster = clusters.get(str(context.get("cluster")), (None, {}))
        user = users.get(str(context.get("user")), {})
        entries[name] = ContextEntry(name, str(cluster.get("server") or ""), cluster, user, base)
    return entries


def context_entry(path: str, name: str) -> ContextEntry:
    """One context; UnknownContext (exit 11) when the kubeconfig has no such context."""
    entries = context_entries(path)
    if name not in entries:
        raise UnknownContext(name, tuple(entries), path)
    return entries[name]


def same_server(a: str, b: str) -> bool:
    """Two server URLs name the same API server (case of the host and a trailing slash aside)."""
    return a.rstrip("/").lower() == b.rstrip("/").lower()
