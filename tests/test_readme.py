"""The README tells the truth: its generated tier table, its two commands, and what CI runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from datadog_configure.settings import VALUES_DIR
from ops.render.docs import END, START, tier_table, with_tier_table
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_the_tier_table_in_the_readme_is_the_one_the_values_files_give() -> None:
    assert with_tier_table(README, tier_table(VALUES_DIR)) == README, "README is stale: run `invoke readme`"


def test_a_changed_values_file_makes_the_table_stale(tmp_path: Path) -> None:
    copy = tmp_path / "values"
    shutil.copytree(VALUES_DIR, copy)
    full = copy / "values-full.yaml"
    full.write_text(full.read_text().replace("memory: 768Mi", "memory: 700Mi", 1))

    assert with_tier_table(README, tier_table(copy)) != README


def test_the_table_states_each_tiers_containers_and_per_node_memory() -> None:
    block = README[README.index(START) : README.index(END)]

    assert "| `minimal` |" in block and "| `standard` |" in block and "| `full` |" in block
    assert "agent, trace-agent, process-agent, system-probe, security-agent" in block
    assert "2304Mi / 5120Mi" in block


def readme_commands() -> list[str]:
    block = README[README.index("## Start here") : README.index("The first prints")]
    return [line for line in re.findall(r"^(python3 -m venv .*)$", block, re.MULTILINE)]


def test_a_fresh_clone_needs_exactly_two_commands_and_ci_runs_the_second() -> None:
    main, tests = readme_commands()

    assert "invoke pipeline.run" in main and "[test]" not in main
    assert tests.endswith("invoke check") and "'.[test]'" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines()


def test_every_task_in_the_collection_is_in_the_readme() -> None:
    import tasks

    names = list(tasks.ns.task_names)
    assert names
    for name in names:
        assert f"`invoke {name}`" in README, name


def test_the_table_says_the_agents_run_on_the_system_nodes_too_and_what_that_costs() -> None:
    block = README[README.index(START) : README.index(END)]

    assert block.count("| every node: 2 default + 2 system |") == 3
    assert "2 `default` + 2 `system` nodes" in block
    assert "| 3600m, 9216Mi (1800m, 4608Mi) |" in block  # full: 900m and 2304Mi on each of 4 nodes, 2 of them system
