"""Argo CD Applications' sync and health, as Argo CD writes them: what `setup` waits on instead of `sleep 60`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

from ops.kube.objects import list_objects
from ops.wait import Observation, Pacing, WaitResult, wait_until

if TYPE_CHECKING:
    from ops.kube import Kube

APPLICATION_API = "argoproj.io/v1alpha1"
NAMESPACE = "argocd"
PROBLEM_CONDITIONS = ("ComparisonError", "SyncError", "InvalidSpecError")


def application_state(app: Mapping[str, Any]) -> str | None:
    """None when Synced and Healthy; else one line: sync, health and the condition or operation that says why."""
    status = app.get("status") or {}
    sync = (status.get("sync") or {}).get("status") or "Unknown"
    health = (status.get("health") or {}).get("status") or "Unknown"
    if sync == "Synced" and health == "Healthy":
        return None
    why = next(
        (
            f"{c['type']}: {c.get('message', '')}"
            for c in status.get("conditions") or []
            if c.get("type") in PROBLEM_CONDITIONS
        ),
        "",
    )
    operation = status.get("operationState") or {}
    if not why and operation.get("phase") in {"Failed", "Error"}:
        why = f"last sync {operation['phase']}: {operation.get('message', '')}"
    why = why or str((status.get("health") or {}).get("message") or "")
    name = (app.get("metadata") or {}).get("name", "?")
    return f"{name} {sync}/{health}{' (' + ' '.join(why.split()) + ')' if why else ''}"


def applications_observation(apps: Sequence[Mapping[str, Any]], expected: Sequence[str]) -> Observation:
    by_name = {(a.get("metadata") or {}).get("name"): a for a in apps}
    missing = [name for name in expected if name not in by_name]
    waiting = [state for name in expected if name in by_name and (state := application_state(by_name[name]))]
    if not missing and not waiting:
        return Observation(done=True, phase="Synced", detail=f"{len(expected)} Applications Synced and Healthy")
    parts = [*(f"{name} missing" for name in missing), *waiting]
    ready = len(expected) - len(parts)
    return Observation(done=False, phase=f"{ready}/{len(expected)} Synced and Healthy", detail="; ".join(parts))


def wait_for_applications(
    kube: Kube,
    expected: Sequence[str],
    **pacing: Unpack[Pacing],
) -> WaitResult:
    """Until every expected Application is Synced and Healthy (one list request per poll)."""
    return wait_until(
        lambda: applications_observation(list_objects(kube, APPLICATION_API, "Application", NAMESPACE), expected),
        what="the Argo CD Applications to be Synced and Healthy",
        **pacing,
    )
