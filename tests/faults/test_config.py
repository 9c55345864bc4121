"""A bad or mistyped invoke.yaml (or INVOKE_* variable): one line naming the key, the value and what
is allowed, exit 2, before anything runs. Runtime config files (`invoke -f FILE`) stand in for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tasks.inprocess import TaskRunner


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("- 1\n- 2\n", "a list is not allowed; one mapping of sections"),
        ("waits: [1]\n", "waits: [1] is not allowed; a mapping of waits.* settings"),
        ("datadog: 5\n", "datadog: 5 is not allowed; a mapping of datadog.* settings"),
        (
            "datadog:\n  chart_version: 3.10\n",
            "datadog.chart_version: 3.1 is not allowed; a string in quotes (YAML reads 3.10 as the number 3.1)",
        ),
        ("datadog:\n  site: datadoghq.evil\n", "datadog.site: 'datadoghq.evil' is not allowed; one of datadoghq.com"),
        ("datadog:\n  site: a\n  site: b\n", "YAML without duplicate keys (key 'site' twice, line 3)"),
        (
            "statestore:\n  path: ../../elsewhere\n",
            "statestore.path: '../../elsewhere' is not allowed; a folder inside",
        ),
        ("statestore:\n  destination: /tmp\n", "statestore.destination: '/tmp' is not allowed; a folder inside"),
        ("cluster:\n  name: [a]\n", "cluster.name: ['a'] is not allowed; a string"),
        ("cluster:\n  name: 'kratix-demo\n\n  '\n", "cluster.name: 'kratix-demo\\n' is not allowed"),
    ],
)
def test_a_bad_config_file_is_one_line_and_exit_2(run_task: TaskRunner, tmp_path: Path, text: str, line: str) -> None:
    config = tmp_path / "invoke.yaml"
    config.write_text(text)

    run = run_task("-f", str(config), "pipeline.run")

    assert run.code == 2, run.stdout + run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")
    assert line in run.stderr
    assert run.stdout == ""


def test_a_site_from_the_environment_is_checked_as_the_flag_is(run_task: TaskRunner) -> None:
    run = run_task("pipeline.run", env={"INVOKE_DATADOG_SITE": "datadoghq.evil"})

    assert run.code == 2
    assert run.stderr.startswith("error: datadog.site: 'datadoghq.evil' is not allowed; one of datadoghq.com")


def test_a_version_from_the_environment_stays_a_string(run_task: TaskRunner) -> None:
    run = run_task("pipeline.run", "--output", "json", env={"INVOKE_DATADOG_CHART_VERSION": "3.10"})

    assert run.code == 0, run.stderr
    assert '"chartVersion": "3.10"' in run.stdout


def test_a_variable_that_does_not_fit_its_key_is_one_line(run_task: TaskRunner) -> None:
    run = run_task("pipeline.run", env={"INVOKE_WAITS_INTERVAL": "soon"})

    assert run.code == 2
    assert run.stderr.startswith(
        "error: INVOKE_WAITS_INTERVAL: not allowed (could not convert string to float: 'soon')"
    )
