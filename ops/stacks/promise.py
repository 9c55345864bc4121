"""The DatadogStack Promise on a cluster: install it from promises/promise.yaml, wait until Kratix says it is
Available, and remove it (never while DatadogStacks exist, unless forced).

    source = load_promise(Path("promises/promise.yaml"), settings)   # BadInput if invoke.yaml disagrees
    applied = apply_promise(kube, source)                             # created / configured / unchanged
    wait_for_promise(kube, source.name, timeout=300)                  # Available, or WaitTimeout saying why
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import yaml

from ops.config import Settings
from ops.errors import BadInput, OpsError
from ops.kube.objects import Applied, ObjectRef, apply_object, delete_object, get_object
from ops.names import StackRef
from ops.stacks.datadog import stacks_to_delete
from ops.stacks.kratix import PromiseProgress, promise_progress
from ops.wait import Observation, Pacing, WaitResult, wait_until

if TYPE_CHECKING:
    from ops.kube.client import Kube

PROMISE_API = "platform.kratix.io/v1alpha1"
PROMISE_KIND = "Promise"
Json = dict[str, Any]


@dataclass(frozen=True)
class PromiseSource:
    """A Promise read from its file, checked against invoke.yaml."""

    path: Path
    manifest: Json
    name: str
    group: str  # the group of the API it offers
    kind: str  # the kind of the API it offers

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(PROMISE_API, PROMISE_KIND, self.name)


def load_promise(path: Path, settings: Settings) -> PromiseSource:
    """Read the Promise file; BadInput naming the setting when invoke.yaml says something else."""
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except FileNotFoundError:
        raise BadInput("--file", str(path), "a path to the Promise's YAML file") from None
    except yaml.YAMLError as err:
        raise BadInput("--file", str(path), "valid YAML") from err
    if len(docs) != 1 or not isinstance(docs[0], dict) or docs[0].get("kind") != PROMISE_KIND:
        raise BadInput("--file", str(path), f"exactly one {PROMISE_KIND} document")
    manifest: Json = docs[0]
    api = ((manifest.get("spec") or {}).get("api") or {}).get("spec") or {}
    name = str((manifest.get("metadata") or {}).get("name", ""))
    group = str(api.get("group", ""))
    pipelines = ((manifest.get("spec") or {}).get("workflows") or {}).get("resource", {}).get("configure") or []
    names = [str((p.get("metadata") or {}).get("name")) for p in pipelines]

    def agree(key: str, configured: str, in_file: str | list[str]) -> None:
        found = configured in in_file if isinstance(in_file, list) else configured == in_file
        if not found:
            shown = ", ".join(in_file) if isinstance(in_file, list) else in_file
            allowed = f"{path.name} says {shown or 'nothing'}: make invoke.yaml and {path.name} agree"
            raise BadInput(f"promise.{key}", configured, allowed)

    agree("name", settings.promise_name, name)
    agree("group", settings.api_group, group)
    agree("pipeline", settings.pipeline_name, names)
    pipeline = pipelines[names.index(settings.pipeline_name)]
    images = [str(c.get("image")) for c in (pipeline.get("spec") or {}).get("containers") or []]
    agree("image", settings.pipeline_image, images)
    kind = str((api.get("names") or {}).get("kind", ""))
    return PromiseSource(path, manifest, name, group, kind)


def apply_promise(kube: Kube, source: PromiseSource, *, dry_run: bool = False) -> Applied:
    """Server-side apply of the Promise (CrdMissing naming Kratix when Kratix is not installed)."""
    return apply_object(kube, source.manifest, dry_run=dry_run)


def read_promise(kube: Kube, name: str) -> PromiseProgress | None:
    live = get_object(kube, PROMISE_API, PROMISE_KIND, name)
    return None if live is None else promise_progress(live)


class PromiseFailed(OpsError):
    def __init__(self, progress: PromiseProgress) -> None:
        super().__init__(f"{PROMISE_KIND} {progress.name} failed: {progress.detail}")
        self.progress = progress


def wait_for_promise(
    kube: Kube,
    name: str,
    **pacing: Unpack[Pacing],
) -> PromiseProgress:
    """Until the Promise is Available; PromiseFailed when its workflow failed, WaitTimeout saying why not."""
    last: list[PromiseProgress] = []

    def probe() -> Observation:
        progress = read_promise(kube, name)
        if progress is None:
            return Observation(done=False, phase="Missing", detail="the Promise is not on the cluster")
        last.append(progress)
        return progress.observation()

    result = wait_until(
        probe,
        what=f"{PROMISE_KIND} {name} to be Available",
        **pacing,
    )
    if result.failed:
        raise PromiseFailed(last[-1])
    return last[-1]


# ------------------------------------------------------------------------------------------------
# Removing it.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PromiseRemoval:
    """What `promise.delete` would do: the Promise (if there) and the stacks that still use it."""

    name: str
    exists: bool
    stacks: tuple[StackRef, ...]


class StacksStillExist(OpsError):
    def __init__(self, name: str, stacks: tuple[StackRef, ...]) -> None:
        shown = ", ".join(map(str, stacks[:10])) + (f" and {len(stacks) - 10} more" if len(stacks) > 10 else "")
        super().__init__(
            f"{len(stacks)} DatadogStack(s) still use the {name} Promise ({shown}): deleting it deletes them "
            "and their agents; delete them first (`invoke datadog.delete --all`) or pass --force"
        )
        self.stacks = stacks


def plan_removal(kube: Kube, settings: Settings) -> PromiseRemoval:
    live = get_object(kube, PROMISE_API, PROMISE_KIND, settings.promise_name)
    stacks = tuple(t.ref for t in stacks_to_delete(kube, settings, None))
    return PromiseRemoval(settings.promise_name, live is not None, stacks)


def check_removal(removal: PromiseRemoval, *, force: bool) -> None:
    """Refuse (StacksStillExist) while stacks exist, unless forced."""
    if removal.stacks and not force:
        raise StacksStillExist(removal.name, removal.stacks)


def delete_promise(kube: Kube, name: str, *, dry_run: bool = False) -> bool:
    """Delete the Promise (Kratix's finalizers remove its API and requests); False if it was gone."""
    return delete_object(kube, ObjectRef(PROMISE_API, PROMISE_KIND, name), dry_run=dry_run)


def wait_promise_gone(
    kube: Kube,
    name: str,
    **pacing: Unpack[Pacing],
) -> WaitResult:
    def probe() -> Observation:
        live = get_object(kube, PROMISE_API, PROMISE_KIND, name)
        if live is None:
            return Observation(done=True, phase="Deleted")
        return Observation(done=False, phase="Deleting", detail=_finalizers(live))

    return wait_until(
        probe,
        what=f"{PROMISE_KIND} {name} to be deleted",
        **pacing,
    )


def _finalizers(obj: Mapping[str, Any]) -> str:
    finalizers = (obj.get("metadata") or {}).get("finalizers") or []
    return f"Kratix finalizers left: {', '.join(finalizers)}" if finalizers else "being deleted"
