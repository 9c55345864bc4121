"""Run `invoke <task> ...` inside the test process: the same parsing, config files, INVOKE_* variables,
output streams and exit codes as `tests.tasks.cli.invoke`, without starting an interpreter each time
(kubernetes is imported once, so a run takes milliseconds, not a second). Stdin is no terminal.

    run_task("infra.plan", "--dry-run")                 # no cluster
    kube_tasks("datadog.status", "--output", "json")    # a fixture: against the `kube` test API server

Tests that need a separate process (signals, a terminal, the environment of children) use `cli.invoke`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.tasks.cli import Invocation


class TaskRunner:
    """`invoke *args` through invoke's own Program; `env` is added to the environment for each call
    (every other INVOKE_* variable is removed for its duration)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env or {})

    def __call__(self, *args: str, env: Mapping[str, str] | None = None) -> Invocation:
        from invoke import Program

        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            for name in [name for name in os.environ if name.startswith("INVOKE_")]:
                patch.delenv(name)
            for name, value in {**self.env, **(env or {})}.items():
                patch.setenv(name, value)
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    Program(name="invoke", binary="invoke").run(["invoke", "--search-root", str(ROOT), *args])
                    code = 0
                except SystemExit as stop:
                    code = stop.code if isinstance(stop.code, int) else 1
        return Invocation(code, out.getvalue(), err.getvalue())


run_task = TaskRunner()


@pytest.fixture
def kube_tasks(kubeconfig: Path) -> TaskRunner:
    """A TaskRunner against the `kube` test API server, with waits polling every 50 ms."""
    return TaskRunner({"KUBECONFIG": str(kubeconfig), "INVOKE_WAITS_INTERVAL": "0.05"})
