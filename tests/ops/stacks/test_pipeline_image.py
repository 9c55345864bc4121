"""The pipeline image: docker build tagged with the git revision, and the GitHub workflow, via stand-ins."""

from __future__ import annotations

import json
import subprocess

import pytest

from ops.errors import ExitCode
from ops.programs import ProgramFailed, ProgramMissing, Runner
from ops.repository import PIPELINE_DIR, ROOT
from ops.stacks import pipeline_image
from tests.programs import GH_RUN, Programs, only_stand_ins_on_path, programs  # noqa: F401

REPOSITORY = "ghcr.io/example/kratix-datadog-pipeline"
DAEMON_DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
RUN_LIST = [
    "run",
    "list",
    "--workflow",
    "pipeline-image.yaml",
    "--event",
    "workflow_dispatch",
    "--limit",
    "5",
    "--json",
    "databaseId,createdAt,url",
]


def real_revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "promises/pipelines/datadog-configure")
    return git("rev-parse", "--short", "HEAD") + ("-dirty" if dirty else "")


@pytest.fixture
def git(programs: Programs) -> Programs:  # noqa: F811
    """git answering for a clean checkout at revision 0a1b2c3."""
    programs.add("git")
    programs.when("git", "rev-parse", stdout="0a1b2c3\n")
    return programs


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("ghcr.io/example/kratix-datadog-pipeline:0.1.0", "ghcr.io/example/kratix-datadog-pipeline"),
        ("localhost:5000/pipeline:dev", "localhost:5000/pipeline"),
        ("localhost:5000/pipeline", "localhost:5000/pipeline"),
        ("pipeline@sha256:0123abcd", "pipeline"),
    ],
)
def test_the_repository_is_the_image_without_its_tag(image: str, repository: str) -> None:
    assert pipeline_image.image_repository(image) == repository


def test_build_tags_the_image_with_the_real_git_revision(programs: Programs) -> None:  # noqa: F811
    built = pipeline_image.build(Runner(), REPOSITORY, push=False)

    image = f"{REPOSITORY}:{real_revision()}"
    assert built.image == image
    assert programs.argvs("docker") == [["info", "--format", "{{.ServerVersion}}"], ["build", "-t", image, "."]]
    assert programs.calls("docker")[1].cwd == str(PIPELINE_DIR)


def test_push_pushes_the_tag_just_built(git: Programs) -> None:
    built = pipeline_image.build(Runner(), REPOSITORY, push=True)

    assert (built.image, built.pushed) == (f"{REPOSITORY}:0a1b2c3", True)
    assert git.argvs("docker")[1:] == [["build", "-t", f"{REPOSITORY}:0a1b2c3", "."], ["push", f"{REPOSITORY}:0a1b2c3"]]
    assert git.argvs("git") == [
        ["rev-parse", "--short", "HEAD"],
        ["status", "--porcelain", "--", "promises/pipelines/datadog-configure"],
    ]


def test_uncommitted_changes_make_a_dirty_tag_that_is_never_pushed(git: Programs) -> None:
    git.when("git", "status", stdout=" M promises/pipelines/datadog-configure/datadog_configure/values.py\n")

    built = pipeline_image.build(Runner(), REPOSITORY, push=False)
    with pytest.raises(pipeline_image.DirtyPush) as caught:
        pipeline_image.build(Runner(), REPOSITORY, push=True)

    assert built.image == f"{REPOSITORY}:0a1b2c3-dirty" and built.dirty
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert str(caught.value).startswith("promises/pipelines/datadog-configure has uncommitted changes: commit them")
    assert [argv[0] for argv in git.argvs("docker")] == ["info", "build", "info"]  # nothing built for the push


def test_a_dry_run_asks_docker_and_git_but_builds_nothing(git: Programs) -> None:
    runner = Runner(dry_run=True)

    built = pipeline_image.build(runner, REPOSITORY, push=True)

    assert built.dry_run and not built.pushed
    assert git.argvs("docker") == [["info", "--format", "{{.ServerVersion}}"]]
    assert [done.command for done in runner.history if not done.ran] == [
        f"cd promises/pipelines/datadog-configure && docker build -t {REPOSITORY}:0a1b2c3 .",
        f"docker push {REPOSITORY}:0a1b2c3",
    ]


def test_a_stopped_docker_daemon_is_its_own_error(programs: Programs) -> None:  # noqa: F811
    programs.when("docker", "info", stderr=DAEMON_DOWN, exit=1)

    with pytest.raises(pipeline_image.DockerNotRunning) as caught:
        pipeline_image.build(Runner(), REPOSITORY, push=False)

    assert caught.value.exit_code == ExitCode.API_UNREACHABLE
    assert str(caught.value) == (
        "the Docker daemon is not running or not reachable (docker info: Cannot connect to the Docker daemon at "
        "unix:///var/run/docker.sock. Is the docker daemon running?); start Docker and retry"
    )
    assert [argv[0] for argv in programs.argvs("docker")] == ["info"]


def test_docker_not_installed_says_what_to_install(programs: Programs, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    only_stand_ins_on_path(programs, monkeypatch)
    programs.remove("docker")

    with pytest.raises(ProgramMissing, match=r"^docker not found on PATH; install Docker \(https://docs.docker"):
        pipeline_image.build(Runner(), REPOSITORY, push=False)


def test_trigger_runs_the_workflow_finds_its_run_and_watches_it(programs: Programs) -> None:  # noqa: F811
    run = pipeline_image.trigger(Runner(), ref="main")

    assert (run.run_id, run.url) == (GH_RUN["databaseId"], GH_RUN["url"])
    assert programs.argvs("gh") == [
        ["auth", "status"],
        ["workflow", "run", "pipeline-image.yaml", "--ref", "main"],
        RUN_LIST,
        ["run", "watch", "4242", "--exit-status"],
    ]


def test_gh_not_logged_in_is_its_own_error_and_nothing_is_triggered(programs: Programs) -> None:  # noqa: F811
    programs.when(
        "gh",
        "auth",
        "status",
        stderr="You are not logged into any GitHub hosts. To log in, run: gh auth login\n",
        exit=1,
    )

    with pytest.raises(pipeline_image.GhNotLoggedIn) as caught:
        pipeline_image.trigger(Runner())

    assert caught.value.exit_code == ExitCode.UNAUTHORIZED
    assert str(caught.value) == (
        "gh is not logged in to GitHub (gh auth status: You are not logged into any GitHub hosts. To log in, "
        "run: gh auth login); run `gh auth login`"
    )
    assert programs.argvs("gh") == [["auth", "status"]]


def test_a_run_that_never_appears_times_out_saying_where_to_look(programs: Programs) -> None:  # noqa: F811
    older = {**GH_RUN, "createdAt": "2020-01-01T00:00:00Z"}  # someone else's earlier run
    programs.when("gh", "run", "list", stdout=json.dumps([older]))

    with pytest.raises(pipeline_image.RunNotFound) as caught:
        pipeline_image.trigger(Runner(), timeout=0.3, poll=0.1)

    assert caught.value.exit_code == ExitCode.TIMEOUT
    assert str(caught.value) == (
        "no run of pipeline-image.yaml started within 0.3 s of `gh workflow run`; "
        "see `gh run list --workflow pipeline-image.yaml`"
    )
    assert ["run", "watch"] not in [argv[:2] for argv in programs.argvs("gh")]


def test_a_failed_run_fails_the_watch(programs: Programs) -> None:  # noqa: F811
    programs.when("gh", "run", "watch", stdout="X main Pipeline image #12\nX Build (push on main)\n", exit=1)

    with pytest.raises(
        ProgramFailed, match=r"^`gh run watch 4242 --exit-status` failed with exit code 1; last lines: X"
    ):
        pipeline_image.trigger(Runner())
