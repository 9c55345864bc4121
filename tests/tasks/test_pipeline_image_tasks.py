"""`invoke pipeline.build` and `invoke pipeline.trigger` with stand-ins for docker and gh."""

from __future__ import annotations

import pytest

from tests.ops.stacks.test_pipeline_image import DAEMON_DOWN, REPOSITORY, real_revision
from tests.programs import Programs, only_stand_ins_on_path, programs  # noqa: F401
from tests.tasks.inprocess import run_task


def test_build_dry_run_prints_the_docker_build_with_its_tag(programs: Programs) -> None:  # noqa: F811
    run = run_task("pipeline.build", "--dry-run")

    image = f"{REPOSITORY}:{real_revision()}"
    assert run.code == 0, run.stderr
    assert run.stdout == (
        f"would run: cd promises/pipelines/datadog-configure && docker build -t {image} .\n{image} would be built\n"
    )
    assert programs.argvs("docker") == [["info", "--format", "{{.ServerVersion}}"]]


def test_build_with_the_image_from_settings_builds_and_says_what_the_promise_runs(programs: Programs) -> None:  # noqa: F811
    run = run_task("pipeline.build", env={"INVOKE_PROMISE_IMAGE": "registry.acme.io/dd-pipeline:2.0.0"})

    image = f"registry.acme.io/dd-pipeline:{real_revision()}"
    assert run.code == 0, run.stderr
    assert run.stdout == f"{image} built\n"
    assert "the Promise runs registry.acme.io/dd-pipeline:2.0.0 (promise.image in invoke.yaml)" in run.stderr
    assert programs.argvs("docker")[-1] == ["build", "-t", image, "."]


def test_build_with_docker_stopped_is_exit_12(programs: Programs) -> None:  # noqa: F811
    programs.when("docker", "info", stderr=DAEMON_DOWN, exit=1)

    run = run_task("pipeline.build")

    assert run.code == 12
    assert run.stderr.splitlines()[-1].startswith("error: the Docker daemon is not running or not reachable")


def test_trigger_runs_and_watches_the_workflow(programs: Programs) -> None:  # noqa: F811
    run = run_task("pipeline.trigger")

    assert run.code == 0, run.stderr
    assert run.stdout == (
        "pipeline-image.yaml run 4242 succeeded: https://github.com/example/kratix-ops/actions/runs/4242\n"
    )
    assert [argv[:2] for argv in programs.argvs("gh")] == [
        ["auth", "status"],
        ["workflow", "run"],
        ["run", "list"],
        ["run", "watch"],
    ]


def test_trigger_dry_run_checks_gh_and_triggers_nothing(programs: Programs) -> None:  # noqa: F811
    run = run_task("pipeline.trigger", "--dry-run", "--ref", "main")

    assert run.code == 0, run.stderr
    assert run.stdout == (
        "would run: gh workflow run pipeline-image.yaml --ref main\nwould run: gh run watch RUN_ID --exit-status\n"
    )
    assert programs.argvs("gh") == [["auth", "status"]]


def test_trigger_when_gh_is_not_logged_in_is_exit_13(programs: Programs) -> None:  # noqa: F811
    programs.when("gh", "auth", "status", stderr="You are not logged into any GitHub hosts.\n", exit=1)

    run = run_task("pipeline.trigger")

    assert run.code == 13
    assert run.stderr.splitlines()[-1] == (
        "error: gh is not logged in to GitHub (gh auth status: You are not logged into any GitHub hosts.); "
        "run `gh auth login`"
    )


def test_trigger_without_gh_is_exit_19(programs: Programs, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    only_stand_ins_on_path(programs, monkeypatch)
    programs.remove("gh")

    run = run_task("pipeline.trigger")

    assert run.code == 19
    assert run.stderr == (
        "error: gh not found on PATH; install the GitHub CLI (https://cli.github.com), then run `gh auth login`\n"
    )
