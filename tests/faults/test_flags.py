"""A bad flag value, an unknown flag or a missing value: exit 2 and one line naming the flag."""

from __future__ import annotations

import pytest

from tests.tasks.cli import invoke
from tests.tasks.inprocess import TaskRunner


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("status", "--interval", "x"), "error: --interval: 'x' is not allowed; a number (invoke status)"),
        (
            ("promise.delete", "--timeout", "soon"),
            "error: --timeout: 'soon' is not allowed; a whole number (invoke promise.delete)",
        ),
        (
            ("argocd.port-forward", "--port=http"),
            "error: --port: 'http' is not allowed; a whole number (invoke argocd.port-forward)",
        ),
        (("status", "--bogus"), "error: --bogus: unknown flag for invoke status; see invoke --help status"),
        (("doctor", "--output"), "error: --output: needs a value"),
        (("stauts",), "error: stauts: unknown task; see invoke --list"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(run_task: TaskRunner, args: tuple[str, ...], line: str) -> None:
    run = run_task(*args)

    assert (run.code, run.stdout, run.stderr) == (2, "", line + "\n")


def test_the_command_line_says_the_same() -> None:
    run = invoke("datadog.delete", "--timeout", "ten")

    assert (run.code, run.stderr) == (
        2,
        "error: --timeout: 'ten' is not allowed; a whole number (invoke datadog.delete)\n",
    )
