"""Run the DatadogStack pipeline in-process, with no cluster: what would Kratix commit?

The same pipeline code as the image, over a temporary /kratix-style input/output/metadata tree.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ops.config import Settings
from ops.errors import BadInput
from ops.inputs import load_yaml_mapping

if TYPE_CHECKING:
    from datadog_configure.pipeline import ConfigureResult
    from datadog_configure.settings import PipelineSettings

KIND = "DatadogStack"
API_VERSION_SUFFIX = "v1alpha1"


@dataclass(frozen=True)
class RequestFlags:
    """A request as typed on the command line; None means the API's default."""

    name: str
    namespace: str
    cluster_name: str | None = None  # None: cluster.name from invoke.yaml
    tier: str | None = None
    environment: str | None = None
    site: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to /kratix/output
    content: bytes


@dataclass(frozen=True)
class LocalRun:
    request: dict[str, Any]
    result: ConfigureResult
    files: tuple[OutputFile, ...]
    status: dict[str, Any]  # /kratix/metadata/status.yaml as the pipeline wrote it


def request_from_flags(flags: RequestFlags, settings: Settings) -> dict[str, Any]:
    spec: dict[str, Any] = {"clusterName": flags.cluster_name or settings.cluster_name}
    for key, value in (("tier", flags.tier), ("environment", flags.environment), ("site", flags.site)):
        if value is not None:
            spec[key] = value
    if flags.tags:
        spec["tags"] = list(flags.tags)
    return {
        "apiVersion": f"{settings.api_group}/{API_VERSION_SUFFIX}",
        "kind": KIND,
        "metadata": {"name": flags.name, "namespace": flags.namespace},
        "spec": spec,
    }


def load_request_file(path: Path, settings: Settings) -> dict[str, Any]:
    """Read one DatadogStack from a YAML file, refusing anything else with a one-line reason.

    Within the API server's limits (ops/inputs.py): 1 MiB, UTF-8, no duplicate keys, bounded aliases.
    """
    obj = load_yaml_mapping(path, "--file", what=f"{KIND}")
    if obj.get("kind") != KIND:
        raise BadInput("kind", obj.get("kind"), KIND)
    expected = f"{settings.api_group}/{API_VERSION_SUFFIX}"
    if obj.get("apiVersion") != expected:
        raise BadInput("apiVersion", obj.get("apiVersion"), expected)
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise BadInput("metadata", meta, "a mapping with the request's name (and namespace)")
    for key in ("name", "namespace"):
        if key in meta and not isinstance(meta[key], str):
            raise BadInput(f"metadata.{key}", meta[key], "a string (leave namespace out for default)")
    return obj


def pipeline_settings(settings: Settings) -> PipelineSettings:
    from datadog_configure.settings import PipelineSettings

    return PipelineSettings(
        chart_version=settings.chart_version,
        chart_repository=settings.chart_repository,
        default_site=settings.datadog_site,
        promise_name=settings.promise_name,
        secret_store=settings.secret_store,
    )


@contextmanager
def _kratix_dirs(root: Path) -> Iterator[None]:
    """Point kratix_sdk at a temporary /kratix tree (its directories are module globals) and restore them."""
    import kratix_sdk

    saved = kratix_sdk.get_input_dir(), kratix_sdk.get_output_dir(), kratix_sdk.get_metadata_dir()
    for sub in ("input", "output", "metadata"):
        (root / sub).mkdir(parents=True)
    kratix_sdk.set_input_dir(root / "input")
    kratix_sdk.set_output_dir(root / "output")
    kratix_sdk.set_metadata_dir(root / "metadata")
    try:
        yield
    finally:
        kratix_sdk.set_input_dir(saved[0])
        kratix_sdk.set_output_dir(saved[1])
        kratix_sdk.set_metadata_dir(saved[2])


def run_locally(request: dict[str, Any], settings: Settings) -> LocalRun:
    """Run the configure pipeline on `request`; an invalid request raises BadInput, as the pipeline fails."""
    import kratix_sdk

    from datadog_configure.pipeline import run

    with tempfile.TemporaryDirectory(prefix="kratix-") as tmp:
        root = Path(tmp)
        with _kratix_dirs(root):
            (root / "input" / "object.yaml").write_text(yaml.safe_dump(request))
            outcome = run(kratix_sdk.KratixSDK(), pipeline_settings(settings))
        status = yaml.safe_load((root / "metadata" / "status.yaml").read_text()) or {}
        if outcome.result is None:
            error = outcome.error
            assert error is not None  # run() returns a result or the error that refused the request
            raise BadInput(error.field, error.value, error.allowed) from error
        order = {m.filename: i for i, m in enumerate(outcome.result.manifests)}
        paths = sorted(
            (p for p in (root / "output").rglob("*") if p.is_file()),
            key=lambda p: (order.get(str(p.relative_to(root / "output")), len(order)), str(p)),
        )
        files = tuple(OutputFile(str(p.relative_to(root / "output")), p.read_bytes()) for p in paths)
    return LocalRun(request=request, result=outcome.result, files=files, status=status)


def workload_group_id(directory: str = ".") -> str:
    """Kratix names a workload group's folder after the first 5 hex digits of md5(directory)."""
    import hashlib

    return hashlib.md5(directory.encode(), usedforsecurity=False).hexdigest()[:5]


def state_store_folder(request: dict[str, Any], settings: Settings) -> Path:
    """Where Kratix's nestedByMetadata layout puts this request's output, relative to the repository root."""
    meta = request["metadata"]
    folder: Path = (
        Path(settings.statestore_path)
        / settings.destination_path
        / "resources"
        / meta.get("namespace", "default")
        / settings.promise_name
        / meta["name"]
        / settings.pipeline_name
        / workload_group_id()
    )
    return folder


@dataclass(frozen=True)
class StateStoreWrite:
    folder: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def write_state_store(run: LocalRun, root: Path, settings: Settings, dry_run: bool = False) -> StateStoreWrite:
    """Write the output files as Kratix would commit them; the folder ends up holding exactly these files."""
    if not root.is_dir():
        raise BadInput("--write", str(root), "an existing folder (the state-store repository's checkout)")
    folder = root / state_store_folder(run.request, settings)
    wanted = {f.path: f.content for f in run.files}
    written, unchanged = [], []
    for path, content in wanted.items():
        target = folder / path
        if target.is_file() and target.read_bytes() == content:
            unchanged.append(path)
            continue
        written.append(path)
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    stale = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    removed = [p for p in stale if p not in wanted]
    if not dry_run:
        for path in removed:
            (folder / path).unlink()
    return StateStoreWrite(folder, tuple(written), tuple(unchanged), tuple(removed))
