"""Run the DatadogStack pipeline in-process, with no cluster: what would Kratix commit?

The same pipeline code as the image, over a temporary /kratix-style input/output/metadata tree.
"""

from __future__ import annotations

import os
import stat
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
from ops.stacks.destinations import destination_of

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
    """Where Kratix's nestedByMetadata layout puts this request's output, relative to the repository root:
    under the path of the Destination of the cluster the request names (the platform's when it names
    `cluster.name`, `clusters/<name>` for a workload cluster)."""
    meta = request["metadata"]
    cluster = str((request.get("spec") or {}).get("clusterName") or settings.cluster_name)
    folder: Path = (
        Path(settings.statestore_path)
        / destination_of(cluster, settings).path
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
    """Write the output files as Kratix would commit them; the folder ends up holding exactly these files.

    Never through a symlink and never outside `root`, whatever the settings and the request say; every
    file or none (each is written beside its target, then all are renamed into place); and only files
    this pipeline wrote for this request (its Kratix labels) are removed as stale.
    """
    if not root.is_dir():
        raise BadInput("--write", str(root), "an existing folder (the state-store repository's checkout)")
    relative = state_store_folder(run.request, settings)
    folder = root.resolve() / _inside("--write", relative)
    _no_links_below(root.resolve(), folder)
    wanted = {_inside("--write", Path(f.path)).as_posix(): f.content for f in run.files}
    written, unchanged = [], []
    for path, content in wanted.items():
        target = folder / path
        _no_links_below(folder, target.parent)
        current = _regular_file_or_none(target)
        if current == content:
            unchanged.append(path)
        else:
            written.append(path)
    removed = [path for path in _stale_files(folder, wanted) if _written_for(folder / path, run.request, settings)]
    if not dry_run:
        _replace_all(folder, {path: wanted[path] for path in written})
        for path in removed:
            (folder / path).unlink()
    return StateStoreWrite(folder, tuple(written), tuple(unchanged), tuple(removed))


def _inside(field: str, path: Path) -> Path:
    """`path` when it is relative and never climbs out (no `..`); BadInput otherwise."""
    if path.is_absolute() or ".." in path.parts:
        raise BadInput(field, str(path), "a folder inside the --write root (relative, without ..)")
    return path


def _no_links_below(top: Path, path: Path) -> None:
    """Every part of `path` below `top` that exists is a real folder, not a symlink or a file."""
    current = top
    for part in path.relative_to(top).parts:
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode):
            raise BadInput("--write", str(current), "a real folder (a symlink is in the way; nothing was written)")
        if not stat.S_ISDIR(mode):
            raise BadInput("--write", str(current), "a folder (a file is in the way; nothing was written)")


def _regular_file_or_none(target: Path) -> bytes | None:
    """The bytes of `target` (never through a symlink), None when absent; BadInput when something else is there."""
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as err:  # ELOOP: a symlink
        raise BadInput(
            "--write", str(target), f"a regular file or nothing ({err.strerror}; nothing was written)"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadInput(
            "--write", str(target), "a regular file or nothing (a folder is in the way; nothing was written)"
        )
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _stale_files(folder: Path, wanted: dict[str, bytes]) -> list[str]:
    """Regular files in the folder (not through symlinks) that this run does not generate."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = []
    for directory, dirs, files in os.walk(folder):  # os.walk does not descend into symlinked folders
        dirs[:] = [d for d in dirs if not (Path(directory) / d).is_symlink()]
        for name in files:
            path = Path(directory) / name
            if stat.S_ISREG(path.lstat().st_mode):
                found.append(path.relative_to(folder).as_posix())
    return sorted(p for p in found if p not in wanted)


def _written_for(path: Path, request: dict[str, Any], settings: Settings) -> bool:
    """Whether the file holds objects this pipeline generated for this request (its Kratix labels)."""
    meta = request.get("metadata") or {}
    expected = {
        "kratix.io/promise-name": settings.promise_name,
        "kratix.io/resource-name": meta.get("name"),
        "kratix.io/resource-namespace": meta.get("namespace", "default"),
    }
    try:
        with path.open("rb") as handle:
            docs = [d for d in yaml.safe_load_all(handle.read(1024 * 1024 + 1)) if d is not None]
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return False
    return bool(docs) and all(
        isinstance(d, dict)
        and isinstance(labels := (d.get("metadata") or {}).get("labels"), dict)
        and all(labels.get(k) == v for k, v in expected.items())
        for d in docs
    )


def _replace_all(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file beside its target, then rename them all into place: every file or none."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, content in files.items():
            target = folder / path
            _make_folders(target.parent)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((temp, target))
            os.fchmod(fd, 0o666 & ~_umask())  # as open() would create it, not mkstemp's 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
    except OSError as err:
        for temp, _ in staged:
            Path(temp).unlink(missing_ok=True)
        raise BadInput(
            "--write", str(folder), f"a folder that can be written ({err.strerror}; nothing was written)"
        ) from None
    for temp, target in staged:
        os.replace(temp, target)  # replaces a name, never follows a symlink at the target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_folders(folder: Path) -> None:
    """mkdir -p that refuses to go through a symlink (checked part by part as it goes)."""
    missing = []
    current = folder
    while not os.path.lexists(current):
        missing.append(current)
        current = current.parent
    if current.is_symlink() or not current.is_dir():
        raise BadInput("--write", str(current), "a real folder (a symlink is in the way; nothing was written)")
    for part in reversed(missing):
        part.mkdir()
