"""Run `invoke <task> ...` inside the test process: the same parsing, config files, INVOKE_* variables,
output streams and exit codes as `tests.tasks.cli.invoke`, without starting an interpreter each time.

Tests that need a separate process (signals, a terminal, the environment of children) use `cli.invoke`.
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest

from tests.conftest import ROOT
from tests.tasks.cli import Invocation


def run_task(*args: str, env: dict[str, str] | None = None) -> Invocation:
    """`invoke *args` with `env` added to the environment for the duration of the call."""
    from invoke import Program

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("INVOKE_")]:
            patch.delenv(name)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                Program(name="invoke", binary="invoke").run(["invoke", "--search-root", str(ROOT), *args])
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
    return Invocation(code, out.getvalue(), err.getvalue())
