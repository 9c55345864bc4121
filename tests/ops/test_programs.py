"""External programs: found on PATH or named for installing, streamed live, failures with their last lines."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import pytest

from ops.errors import ExitCode
from ops.programs import DOCKER, GH, KUBECTL, TOFU, Command, Interrupted, ProgramFailed, ProgramMissing, Runner
from ops.repository import CLUSTER_MODULE, ROOT
from tests.programs import Programs, only_stand_ins_on_path, programs  # noqa: F401


def test_tofu_is_preferred_and_terraform_is_the_fallback(programs: Programs) -> None:  # noqa: F811
    runner = Runner()
    assert runner.executable(TOFU) == "tofu"

    programs.remove("tofu")
    runner.run(Command(TOFU, ("version",)))

    assert programs.argvs() == [["terraform", "version"]]


def test_neither_tofu_nor_terraform_is_program_missing_naming_what_to_install(
    programs: Programs,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    only_stand_ins_on_path(programs, monkeypatch)
    programs.remove("tofu", "terraform")

    with pytest.raises(ProgramMissing) as caught:
        Runner().run(Command(TOFU, ("init",)))

    assert caught.value.exit_code == ExitCode.PROGRAM_MISSING == 19
    assert str(caught.value).startswith("tofu or terraform not found on PATH; install OpenTofu (https://opentofu.org")
    assert programs.calls() == []


def test_output_reaches_the_caller_line_by_line_as_the_program_prints_it(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "init", stdout="Initializing the backend...\nInitializing provider plugins...\n")
    lines: list[str] = []
    announced: list[tuple[str, bool]] = []

    done = Runner(on_line=lines.append, on_command=lambda line, runs: announced.append((line, runs))).run(
        Command(TOFU, ("init", "-input=false"), cwd=CLUSTER_MODULE)
    )

    assert announced == [("cd iac && tofu init -input=false", True)]
    assert lines == ["Initializing the backend...", "Initializing provider plugins..."]
    assert done.exit_code == 0 and done.ran
    assert programs.calls()[0].cwd == str(CLUSTER_MODULE)


def test_a_failed_program_names_the_command_its_exit_code_and_its_last_lines(programs: Programs) -> None:  # noqa: F811
    noise = "".join(f"line {n}\n" for n in range(20))
    programs.when(
        "tofu", "plan", stdout=noise, stderr="\x1b[31mError: No valid credential sources found\x1b[0m\n", exit=1
    )

    with pytest.raises(ProgramFailed) as caught:
        Runner().run(Command(TOFU, ("plan", "-input=false"), cwd=CLUSTER_MODULE))

    message = str(caught.value)
    assert message.startswith("`cd iac && tofu plan -input=false` failed with exit code 1; last lines: line 15 |")
    assert message.endswith("line 19 | Error: No valid credential sources found")  # colour codes removed
    assert "line 14" not in message
    assert caught.value.exit_code == ExitCode.FAILED


def test_a_query_is_captured_apart_from_what_the_program_says_on_stderr(programs: Programs) -> None:  # noqa: F811
    programs.when("gh", "api", stdout='{"login": "octocat"}\n', stderr="warning: rate limit low\n")
    streamed: list[str] = []

    done = Runner(on_line=streamed.append).run(Command(GH, ("api", "user")), capture=True)

    assert done.stdout == '{"login": "octocat"}\n'
    assert streamed == []


def test_a_dry_run_announces_commands_and_runs_only_queries(programs: Programs) -> None:  # noqa: F811
    announced: list[tuple[str, bool]] = []
    runner = Runner(dry_run=True, on_command=lambda line, runs: announced.append((line, runs)))

    applied = runner.run(Command(TOFU, ("apply", "-input=false", "plan.tfplan"), cwd=CLUSTER_MODULE))
    outputs = runner.run(Command(TOFU, ("output", "-json"), cwd=CLUSTER_MODULE, query=True), capture=True)

    assert not applied.ran and outputs.ran
    assert announced == [
        ("cd iac && tofu apply -input=false plan.tfplan", False),
        ("cd iac && tofu output -json", True),
    ]
    assert programs.argvs() == [["tofu", "output", "-json"]]
    assert [done.command for done in runner.history] == [line for line, _ in announced]


def test_extra_environment_reaches_the_program_and_is_shown(programs: Programs) -> None:  # noqa: F811
    runner = Runner()

    done = runner.run(Command(DOCKER, ("info",), cwd=ROOT, env=(("AWS_PROFILE", "ops"),)))

    assert done.command == "AWS_PROFILE=ops docker info"
    assert programs.calls("docker")[0].env == {"AWS_PROFILE": "ops"}


def _interrupt_when(ready: Callable[[], object]) -> None:
    """Ctrl-C (SIGINT to this process) once `ready()` is true, as a person would press it."""

    def press() -> None:
        deadline = time.monotonic() + 20
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press, daemon=True).start()


def test_ctrl_c_stops_a_long_running_program_cleanly(programs: Programs) -> None:  # noqa: F811
    programs.when("kubectl", "port-forward", stdout="Forwarding from 127.0.0.1:8080 -> 8080\n", sleep=30)
    lines: list[str] = []
    started = time.monotonic()
    _interrupt_when(lambda: lines)  # once kubectl said it is forwarding

    done = Runner(on_line=lines.append).run(Command(KUBECTL, ("port-forward",)), until_interrupted=True)

    assert done.interrupted and done.exit_code == 0
    assert time.monotonic() - started < 10
    assert lines == ["Forwarding from 127.0.0.1:8080 -> 8080"]


def test_ctrl_c_during_an_ordinary_command_stops_it_and_says_so(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "apply", sleep=30)
    _interrupt_when(programs.calls)  # once tofu runs

    with pytest.raises(Interrupted) as caught:
        Runner().run(Command(TOFU, ("apply", "plan.tfplan")))

    assert caught.value.exit_code == ExitCode.ABORTED
    assert str(caught.value) == "interrupted: `tofu apply plan.tfplan` was stopped before it finished"
