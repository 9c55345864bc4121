"""`pipeline.run --write` against hostile targets: it never follows a symlink, never leaves its root,
writes every file of a request or none, and removes only files it wrote for that request."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ops.config import Settings
from ops.errors import BadInput
from ops.stacks.local_run import run_locally, state_store_folder, write_state_store
from tests.conftest import datadog_stack
from tests.tasks.inprocess import TaskRunner

FILES = ["external-secret.yaml", "helm-release.yaml", "helm-repository.yaml", "namespace.yaml"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return root


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder outside the repository with a file someone cares about."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "precious.yaml").write_text("kind: Precious\n")
    return folder


NOBODY = 65534


def folder_of(repo: Path, settings: Settings) -> Path:
    return repo / state_store_folder(datadog_stack(), settings)


def snapshot(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_symlinked_output_folder_is_refused_and_the_victim_is_untouched(
    repo: Path, victim: Path, settings: Settings
) -> None:
    folder = folder_of(repo, settings)
    folder.parent.mkdir(parents=True)
    folder.symlink_to(victim)

    with pytest.raises(BadInput, match="a symlink is in the way; nothing was written"):
        write_state_store(run_locally(datadog_stack(), settings), repo, settings)
    assert snapshot(victim) == {"precious.yaml": b"kind: Precious\n"}


def test_a_symlinked_folder_higher_up_is_refused(repo: Path, victim: Path, settings: Settings) -> None:
    (repo / "gitops").symlink_to(victim)

    with pytest.raises(BadInput, match="symlink"):
        write_state_store(run_locally(datadog_stack(), settings), repo, settings)
    assert snapshot(victim) == {"precious.yaml": b"kind: Precious\n"}


def test_a_symlinked_target_file_is_refused_and_nothing_is_written(
    repo: Path, victim: Path, settings: Settings
) -> None:
    folder = folder_of(repo, settings)
    folder.mkdir(parents=True)
    (folder / "helm-release.yaml").symlink_to(victim / "precious.yaml")

    with pytest.raises(BadInput, match="a regular file or nothing"):
        write_state_store(run_locally(datadog_stack(), settings), repo, settings)
    assert snapshot(victim) == {"precious.yaml": b"kind: Precious\n"}
    assert sorted(p.name for p in folder.iterdir()) == ["helm-release.yaml"]  # the link, as it was


def test_a_folder_in_the_place_of_a_file_writes_none_of_the_files(repo: Path, settings: Settings) -> None:
    folder = folder_of(repo, settings)
    (folder / "namespace.yaml").mkdir(parents=True)

    with pytest.raises(BadInput, match="a folder is in the way; nothing was written"):
        write_state_store(run_locally(datadog_stack(), settings), repo, settings)
    assert sorted(p.name for p in folder.iterdir()) == ["namespace.yaml"]


@contextmanager
def as_nobody() -> Iterator[None]:
    """Root writes into read-only folders: as root, act as `nobody` (effective ids) for the block."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_an_unwritable_folder_leaves_no_half_written_request(settings: Settings) -> None:
    base = Path(tempfile.mkdtemp(prefix="kratix-ops-unwritable-"))  # reachable by nobody, unlike tmp_path
    try:
        base.chmod(0o755)
        repo = base / "repo"
        folder = folder_of(repo, settings)
        folder.mkdir(parents=True, mode=0o755)
        for parent in [folder, *folder.relative_to(base).parents]:
            (base / parent).chmod(0o755)
        folder.chmod(0o555)
        run = run_locally(datadog_stack(), settings)
        with as_nobody(), pytest.raises(BadInput, match="nothing was written"):
            write_state_store(run, repo, settings)
        assert list(folder.iterdir()) == []
    finally:
        shutil.rmtree(base, onerror=lambda fn, path, _: (Path(path).parent.chmod(0o755), fn(path)))


def test_only_files_it_wrote_for_this_request_are_pruned(repo: Path, victim: Path, settings: Settings) -> None:
    folder = folder_of(repo, settings)
    folder.mkdir(parents=True)
    (folder / "notes.md").write_text("kept\n")
    (folder / "other-request.yaml").write_text(
        "metadata:\n  labels:\n    kratix.io/promise-name: datadog-stack\n    kratix.io/resource-name: staging\n"
        "    kratix.io/resource-namespace: default\n"
    )
    (folder / "link.yaml").symlink_to(victim / "precious.yaml")

    result = write_state_store(run_locally(datadog_stack(), settings), repo, settings)

    assert result.removed == ()
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "link.yaml", "notes.md", "other-request.yaml"])
    assert snapshot(victim) == {"precious.yaml": b"kind: Precious\n"}


def test_written_files_have_the_usual_permissions(repo: Path, settings: Settings) -> None:
    result = write_state_store(run_locally(datadog_stack(), settings), repo, settings)

    modes = {oct((result.folder / name).stat().st_mode & 0o777) for name in result.written}
    umask = os.umask(0)
    os.umask(umask)
    assert modes == {oct(0o666 & ~umask)}
    assert not [p for p in result.folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_state_store_path_that_leaves_the_root_is_refused_before_anything_runs(
    run_task: TaskRunner, repo: Path, tmp_path: Path
) -> None:
    run = run_task("pipeline.run", "--write", str(repo), env={"INVOKE_STATESTORE_PATH": "../outside"})

    assert run.code == 2
    assert run.stderr == (
        "error: statestore.path: '../outside' is not allowed; a folder inside the repository (relative, without ..)\n"
    )
    assert list(repo.iterdir()) == []
    assert not (tmp_path / "outside").exists()
