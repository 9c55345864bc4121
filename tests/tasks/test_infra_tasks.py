"""`invoke infra.*` as a user types it, with recording stand-ins for tofu and terraform on PATH."""

from __future__ import annotations

import pytest

from tests.programs import Programs, only_stand_ins_on_path, programs  # noqa: F401
from tests.tasks.cli import invoke
from tests.tasks.inprocess import run_task
from tests.tasks.terminal import at_a_terminal

VARS = ["-var", "region=eu-central-1", "-var", "cluster_name=kratix-demo"]


def test_plan_dry_run_shows_the_command_with_the_values_it_would_pass_and_runs_nothing(
    programs: Programs,  # noqa: F811
) -> None:
    run = invoke("infra.plan", "--dry-run", env={"INVOKE_AWS_PROFILE": "ops"})

    assert run.code == 0, run.stderr
    assert run.stdout == (
        "would run: cd iac && tofu plan -input=false -var region=eu-central-1 -var cluster_name=kratix-demo "
        "-var aws_profile=ops\n"
    )
    assert "dry run: nothing was run" in run.stderr
    assert programs.calls() == []


def test_init_then_plan_run_in_iac_and_stream_what_tofu_prints(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "plan", stdout="Plan: 57 to add, 0 to change, 0 to destroy.\n")

    init = run_task("infra.init")
    plan = run_task("infra.plan", "--region", "eu-west-1")

    assert (init.code, plan.code) == (0, 0), plan.stderr
    assert programs.argvs("tofu") == [
        ["init", "-input=false"],
        ["plan", "-input=false", "-var", "region=eu-west-1", "-var", "cluster_name=kratix-demo"],
    ]
    assert "$ cd iac && tofu plan -input=false -var region=eu-west-1" in plan.stderr
    assert "Plan: 57 to add, 0 to change, 0 to destroy." in plan.stderr


def test_apply_without_a_terminal_and_without_yes_is_aborted_before_anything_runs(programs: Programs) -> None:  # noqa: F811
    run = run_task("infra.apply")

    assert run.code == 20
    assert run.stderr == (
        "error: apply of the EKS cluster (iac/) needs confirmation and stdin is not a terminal; "
        "re-run with --yes to go ahead\n"
    )
    assert programs.calls() == []


def test_apply_with_yes_applies_the_reviewed_plan_and_a_second_run_says_unchanged(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "plan", exit=2)
    first = run_task("infra.apply", "--yes")
    programs.reset()
    second = run_task("infra.apply", "--yes")

    assert (first.code, second.code) == (0, 0), first.stderr
    assert first.stdout == "the EKS cluster (iac/): applied\n"
    assert second.stdout == "the EKS cluster (iac/): unchanged: the plan has no changes, nothing was applied\n"
    assert [argv[0] for argv in programs.argvs("tofu")] == ["plan"]


def test_destroy_dry_run_lists_the_destroy_plan_and_its_apply(programs: Programs) -> None:  # noqa: F811
    run = run_task("infra.destroy", "--dry-run")

    assert run.code == 0, run.stderr
    plan, apply = run.stdout.splitlines()
    assert plan.startswith(
        "would run: cd iac && tofu plan -input=false -detailed-exitcode -destroy -var region=eu-central-1"
    )
    assert apply.startswith("would run: cd iac && tofu apply -input=false /")
    assert programs.calls() == []


def test_terraform_is_used_when_tofu_is_not_installed(programs: Programs) -> None:  # noqa: F811
    programs.remove("tofu")

    run = run_task("infra.init")

    assert run.code == 0, run.stderr
    assert programs.argvs() == [["terraform", "init", "-input=false"]]


def test_no_tofu_and_no_terraform_is_exit_19_naming_what_to_install(
    programs: Programs,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    only_stand_ins_on_path(programs, monkeypatch)
    programs.remove("tofu", "terraform")

    run = run_task("infra.plan")

    assert run.code == 19
    assert run.stderr.startswith("error: tofu or terraform not found on PATH; install OpenTofu")
    assert len(run.stderr.splitlines()) == 1


def test_a_failing_tofu_is_one_line_with_its_exit_code_and_last_lines(programs: Programs) -> None:  # noqa: F811
    programs.when(
        "tofu", "plan", stderr="Error: No valid credential sources found\n\nPlease see https://registry...\n", exit=1
    )

    run = run_task("infra.plan")

    assert run.code == 1
    last = run.stderr.splitlines()[-1]
    assert last == (
        "error: `cd iac && tofu plan -input=false -var region=eu-central-1 -var cluster_name=kratix-demo` failed "
        "with exit code 1; last lines: Error: No valid credential sources found | Please see https://registry..."
    )


def test_at_a_terminal_apply_shows_the_plan_asks_and_answering_n_applies_nothing(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "plan", stdout="Plan: 57 to add, 0 to change, 0 to destroy.\n", exit=2)

    code, seen = at_a_terminal("infra.apply", answers=[("[y/N]", "n")])

    assert code == 20
    assert "Plan: 57 to add" in seen
    question = "Apply the plan above to the EKS cluster (iac/), region=eu-central-1, cluster_name=kratix-demo? [y/N]"
    assert question in " ".join(seen.split())  # the terminal may wrap it
    assert "error: not confirmed (n); nothing was changed" in seen
    assert [argv[0] for argv in programs.argvs("tofu")] == ["plan"]


def test_at_a_terminal_answering_y_applies_the_plan(programs: Programs) -> None:  # noqa: F811
    programs.when("tofu", "plan", exit=2)

    code, seen = at_a_terminal("infra.apply", answers=[("[y/N]", "y")])

    assert code == 0, seen
    assert [argv[0] for argv in programs.argvs("tofu")] == ["plan", "apply"]
