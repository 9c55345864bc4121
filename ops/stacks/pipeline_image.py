"""The pipeline image: `docker build` tagged with the git revision, and the GitHub workflow that publishes it.

    built = build(runner, "ghcr.io/acme/kratix-datadog-pipeline", push=False)   # ...:<short revision>
    run = trigger(runner, ref="main", timeout=60)                              # gh workflow run + gh run watch

A build from a pipeline folder with uncommitted changes is tagged `<revision>-dirty` and is never pushed:
a pushed tag must name the code it holds.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from ops.errors import ExitCode, OpsError
from ops.programs import DOCKER, GH, GIT, Command, ProgramFailed, Runner
from ops.repository import PIPELINE_DIR, ROOT, shown

WORKFLOW = "pipeline-image.yaml"  # .github/workflows/
CLOCK_SLACK = datetime.timedelta(seconds=30)  # between this machine's clock and GitHub's


class DockerNotRunning(OpsError):
    exit_code = ExitCode.API_UNREACHABLE


class GhNotLoggedIn(OpsError):
    exit_code = ExitCode.UNAUTHORIZED


class DirtyPush(OpsError):
    exit_code = ExitCode.BAD_INPUT


class RunNotFound(OpsError):
    exit_code = ExitCode.TIMEOUT


@dataclass(frozen=True)
class ImageBuild:
    image: str  # repository:tag
    dirty: bool
    pushed: bool
    dry_run: bool


@dataclass(frozen=True)
class WorkflowRun:
    workflow: str
    run_id: int | None  # None in a dry run
    url: str | None


def image_repository(image: str) -> str:
    """`ghcr.io/acme/pipeline:0.1.0` -> `ghcr.io/acme/pipeline` (a registry port is not a tag)."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def _last_line(err: ProgramFailed) -> str:
    return err.tail[-1] if err.tail else f"exit code {err.exit_code_of_program}"


def check_docker(runner: Runner) -> None:
    try:
        runner.run(Command(DOCKER, ("info", "--format", "{{.ServerVersion}}"), query=True), capture=True)
    except ProgramFailed as err:
        raise DockerNotRunning(
            f"the Docker daemon is not running or not reachable (docker info: {_last_line(err)}); "
            "start Docker and retry"
        ) from err


def git_revision(runner: Runner) -> tuple[str, bool]:
    """The short HEAD revision, and whether the pipeline folder has uncommitted changes."""
    revision = runner.run(Command(GIT, ("rev-parse", "--short", "HEAD"), cwd=ROOT, query=True), capture=True)
    status = runner.run(
        Command(GIT, ("status", "--porcelain", "--", shown(PIPELINE_DIR)), cwd=ROOT, query=True), capture=True
    )
    return revision.stdout.strip(), bool(status.stdout.strip())


def build(runner: Runner, repository: str, *, push: bool) -> ImageBuild:
    """`docker build -t <repository>:<revision> .` in the pipeline folder, then `docker push` with push."""
    check_docker(runner)
    revision, dirty = git_revision(runner)
    if push and dirty:
        raise DirtyPush(
            f"{shown(PIPELINE_DIR)} has uncommitted changes: commit them before --push "
            f"(a pushed tag must name the code it holds)"
        )
    image = f"{repository}:{revision}{'-dirty' if dirty else ''}"
    runner.run(Command(DOCKER, ("build", "-t", image, "."), cwd=PIPELINE_DIR))
    if push:
        runner.run(Command(DOCKER, ("push", image)))
    return ImageBuild(image, dirty, push and not runner.dry_run, runner.dry_run)


def check_gh(runner: Runner) -> None:
    try:
        runner.run(Command(GH, ("auth", "status"), query=True), capture=True)
    except ProgramFailed as err:
        raise GhNotLoggedIn(
            f"gh is not logged in to GitHub (gh auth status: {_last_line(err)}); run `gh auth login`"
        ) from err


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def trigger(
    runner: Runner,
    *,
    ref: str | None = None,
    timeout: float = 60.0,
    poll: float = 2.0,
    now: Callable[[], datetime.datetime] = _utc_now,
) -> WorkflowRun:
    """`gh workflow run`, find the run it started (bounded wait), then `gh run watch <id> --exit-status`."""
    check_gh(runner)
    started = now()
    runner.run(Command(GH, ("workflow", "run", WORKFLOW, *(("--ref", ref) if ref else ()))))
    if runner.dry_run:
        runner.run(Command(GH, ("run", "watch", "RUN_ID", "--exit-status")))
        return WorkflowRun(WORKFLOW, None, None)
    run_id, url = _find_run(runner, started, timeout, poll)
    runner.run(Command(GH, ("run", "watch", str(run_id), "--exit-status")))
    return WorkflowRun(WORKFLOW, run_id, url)


def _find_run(runner: Runner, started: datetime.datetime, timeout: float, poll: float) -> tuple[int, str]:
    """The newest workflow_dispatch run created since `started`; GitHub lists it a few seconds late."""
    import tenacity

    query = Command(
        GH,
        (
            "run",
            "list",
            "--workflow",
            WORKFLOW,
            "--event",
            "workflow_dispatch",
            "--limit",
            "5",
            "--json",
            "databaseId,createdAt,url",
        ),
        query=True,
    )

    def newest() -> tuple[int, str] | None:
        runs = json.loads(runner.run(query, capture=True).stdout or "[]")
        fresh = [
            r
            for r in runs
            if datetime.datetime.fromisoformat(str(r["createdAt"]).replace("Z", "+00:00")) >= started - CLOCK_SLACK
        ]
        if not fresh:
            return None
        first = max(fresh, key=lambda r: str(r["createdAt"]))
        return int(first["databaseId"]), str(first.get("url", ""))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda found: found is None),
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(poll),
        retry_error_callback=lambda state: None,
    )
    found = retrying(newest)
    if found is None:
        raise RunNotFound(
            f"no run of {WORKFLOW} started within {timeout:g} s of `gh workflow run`; "
            f"see `gh run list --workflow {WORKFLOW}`"
        )
    return found
