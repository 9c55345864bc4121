"""External programs (tofu, docker, gh, git, kubectl port-forward) through `sh`: found, shown, streamed, checked.

    runner = Runner(on_line=print_to_stderr)
    runner.run(Command(TOFU, ("plan", "-input=false"), cwd=CLUSTER_MODULE))

A program that is not on PATH is `ProgramMissing` (exit 19), naming what to install; one that fails is
`ProgramFailed` with its exit code and the last lines it printed. Under `dry_run` a command is announced, not
run, unless it is a query (`tofu output -json`, `git rev-parse`): those still run, so a dry run shows the
values the real run would pass.

Secrets never go into a Command: arguments are printed here, and every local user sees them in `ps`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.errors import ExitCode, OpsError
from ops.repository import ROOT, shown

TAIL_LINES = 6
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass(frozen=True)
class Program:
    names: tuple[str, ...]  # tried in this order
    install: str  # what to do when none of them is on PATH

    @property
    def name(self) -> str:
        return self.names[0]


TOFU = Program(
    ("tofu", "terraform"),
    "install OpenTofu (https://opentofu.org/docs/intro/install/) or Terraform >= 1.6 "
    "(https://developer.hashicorp.com/terraform/install)",
)
DOCKER = Program(("docker",), "install Docker (https://docs.docker.com/get-docker/)")
GH = Program(("gh",), "install the GitHub CLI (https://cli.github.com), then run `gh auth login`")
GIT = Program(("git",), "install git (https://git-scm.com/downloads)")
KUBECTL = Program(("kubectl",), "install kubectl (https://kubernetes.io/docs/tasks/tools/)")


class ProgramMissing(OpsError):
    exit_code = ExitCode.PROGRAM_MISSING

    def __init__(self, program: Program) -> None:
        super().__init__(f"{' or '.join(program.names)} not found on PATH; {program.install}")
        self.program = program


class ProgramFailed(OpsError):
    """The program ran and exited non-zero: its command line, exit code and last lines."""

    def __init__(self, command: str, exit_code: int, tail: Iterable[str]) -> None:
        lines = list(tail)
        last = " | ".join(lines) if lines else "it printed nothing"
        super().__init__(f"`{command}` failed with exit code {exit_code}; last lines: {last}")
        self.command = command
        self.exit_code_of_program = exit_code
        self.tail = tuple(lines)


class Interrupted(OpsError):
    exit_code = ExitCode.ABORTED

    def __init__(self, command: str) -> None:
        super().__init__(f"interrupted: `{command}` was stopped before it finished")


@dataclass(frozen=True)
class Command:
    program: Program
    args: tuple[str, ...]
    cwd: Path | None = None
    env: tuple[tuple[str, str], ...] = ()  # added to the environment; never a secret
    query: bool = False  # a quick read whose answer a dry run needs (`tofu output`): it runs under dry_run too

    def shown(self, executable: str | None = None) -> str:
        """The command as a user would type it from the repository's root."""
        words = [*(f"{k}={v}" for k, v in self.env), executable or self.program.name, *self.args]
        line = shlex.join(words)
        if self.cwd is not None and self.cwd.resolve() != ROOT:
            line = f"cd {shlex.quote(shown(self.cwd))} && {line}"
        return line


@dataclass(frozen=True)
class Completed:
    command: str  # as shown to the user
    exit_code: int
    stdout: str = ""  # with capture=True only
    ran: bool = True  # False: a dry run announced it instead
    interrupted: bool = False  # stopped with Ctrl-C (until_interrupted=True)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class Runner:
    """Runs Commands; `history` keeps what ran (or would have), for the caller and for tests.

    on_command(line, runs) is told of every command before it runs (runs=False: dry run);
    on_line(text) receives the program's output, line by line, as it comes.
    """

    def __init__(
        self,
        *,
        dry_run: bool = False,
        on_command: Callable[[str, bool], None] | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.dry_run = dry_run
        self.on_command = on_command or (lambda line, runs: None)
        self.on_line = on_line or (lambda text: None)
        self.history: list[Completed] = []

    def executable(self, program: Program) -> str:
        """The first of the program's names found on PATH; ProgramMissing when none is."""
        for name in program.names:
            if shutil.which(name):
                return name
        raise ProgramMissing(program)

    def run(
        self,
        command: Command,
        *,
        capture: bool = False,
        ok_codes: tuple[int, ...] = (0,),
        until_interrupted: bool = False,
    ) -> Completed:
        """Run it (streamed, or stdout captured), raising ProgramFailed on an exit code not in ok_codes.

        until_interrupted: a long-running program (port-forward) that Ctrl-C stops; that is a success.
        """
        name = self.executable(command.program)
        line = command.shown(name)
        runs = command.query or not self.dry_run
        self.on_command(line, runs)
        if not runs:
            done = Completed(line, 0, ran=False)
            self.history.append(done)
            return done
        done = self._spawn(command, name, line, capture=capture, ok_codes=ok_codes, until_interrupted=until_interrupted)
        self.history.append(done)
        return done

    def _spawn(
        self,
        command: Command,
        name: str,
        line: str,
        *,
        capture: bool,
        ok_codes: tuple[int, ...],
        until_interrupted: bool,
    ) -> Completed:
        import sh

        tail: deque[str] = deque(maxlen=TAIL_LINES)
        stdout: list[str] = []

        def remember(text: str) -> None:
            clean = strip_ansi(text).strip()
            if clean:
                tail.append(clean)

        def streamed(text: str) -> None:
            remember(text)
            self.on_line(text.rstrip("\n"))

        def captured(text: str) -> None:
            stdout.append(text)

        options: dict[str, Any] = {
            "_cwd": str(command.cwd) if command.cwd else None,
            "_tty_out": False,
            "_bg": True,
            "_bg_exc": False,
            "_return_cmd": True,
            "_decode_errors": "replace",
        }
        if command.env:
            options["_env"] = {**os.environ, **dict(command.env)}
        if capture:
            options.update(_out=captured, _err=remember)
        else:
            options.update(_out=streamed, _err_to_out=True)
        try:
            process = sh.Command(shutil.which(name) or name)(*command.args, **options)
        except OSError as err:
            raise ProgramFailed(line, -1, [str(err)]) from err
        exit_code, interrupted = self._wait(process, line, until_interrupted)
        if capture and exit_code not in ok_codes:
            for text in "".join(stdout).splitlines()[-TAIL_LINES:]:
                remember(text)
        if exit_code not in ok_codes and not interrupted:
            raise ProgramFailed(line, exit_code, tail)
        return Completed(line, exit_code, "".join(stdout), interrupted=interrupted)

    @staticmethod
    def _wait(process: Any, line: str, until_interrupted: bool) -> tuple[int, bool]:
        import sh

        try:
            process.wait()
            return 0, False
        except sh.ErrorReturnCode as err:
            return int(err.exit_code), False
        except KeyboardInterrupt:
            # The terminal sent SIGINT to the child as well; make sure it ends, then say how.
            if process.is_alive():
                process.terminate()
            with contextlib.suppress(sh.ErrorReturnCode):
                process.wait()
            if until_interrupted:
                return 0, True
            raise Interrupted(line) from None
