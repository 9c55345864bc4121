"""OpenTofu for iac/ and iac/argocd/: exact commands and order, a reviewed plan before any change, outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ops.config import Settings
from ops.confirmation import Aborted, Confirmation
from ops.errors import ExitCode
from ops.platform import infra
from ops.programs import Runner
from ops.repository import ARGOCD_MODULE, CLUSTER_MODULE
from tests.programs import OUTPUTS, Programs, only_stand_ins_on_path, programs  # noqa: F401

VARS = ["-var", "region=eu-central-1", "-var", "cluster_name=kratix-demo"]


class Answers:
    """A person at a terminal who answers the questions in turn, remembering what was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, question: str) -> str:
        self.asked.append(question)
        return self.answers.pop(0)


def at_terminal(*answers: str) -> tuple[Confirmation, Answers]:
    person = Answers(*answers)
    return Confirmation(yes=False, interactive=True, ask=person), person


def plan_file_of(argv: list[str]) -> str:
    return next(arg.removeprefix("-out=") for arg in argv if arg.startswith("-out="))


def test_init_runs_tofu_init_without_input_in_the_module(programs: Programs) -> None:  # noqa: F811
    result = infra.init(Runner(), infra.CLUSTER)

    assert programs.argvs() == [["tofu", "init", "-input=false"]]
    assert programs.calls()[0].cwd == str(CLUSTER_MODULE)
    assert (result.action, result.module) == ("initialised", "the EKS cluster (iac/)")


def test_plan_passes_region_cluster_and_profile_from_settings(programs: Programs, settings: Settings) -> None:  # noqa: F811
    with_profile = dataclasses.replace(settings, aws_profile="ops")

    infra.plan(Runner(), infra.CLUSTER, infra.cluster_variables(with_profile), out=Path("/tmp/cluster.tfplan"))

    assert programs.argvs("tofu") == [
        ["plan", "-input=false", *VARS, "-var", "aws_profile=ops", "-out=/tmp/cluster.tfplan"]
    ]


def test_apply_shows_the_plan_asks_about_it_and_applies_exactly_that_plan(
    programs: Programs,  # noqa: F811
    settings: Settings,
) -> None:
    programs.when("tofu", "plan", stdout="Plan: 42 to add, 0 to change, 0 to destroy.\n", exit=2)
    confirmation, person = at_terminal("y")

    result = infra.apply(Runner(), infra.CLUSTER, infra.cluster_variables(settings), confirmation)

    plan, apply = programs.argvs("tofu")
    plan_file = plan_file_of(plan)
    assert plan == ["plan", "-input=false", "-detailed-exitcode", *VARS, f"-out={plan_file}"]
    assert apply == ["apply", "-input=false", plan_file]
    assert person.asked == [
        "Apply the plan above to the EKS cluster (iac/), region=eu-central-1, cluster_name=kratix-demo? [y/N] "
    ]
    assert result.action == "applied"
    assert not Path(plan_file).exists()  # the plan (it may hold sensitive values) is not left on disk


def test_a_plan_without_changes_applies_nothing_and_asks_nothing_twice_over(
    programs: Programs,  # noqa: F811
    settings: Settings,
) -> None:
    confirmation, person = at_terminal()

    first = infra.apply(Runner(), infra.CLUSTER, infra.cluster_variables(settings), confirmation)
    second = infra.apply(Runner(), infra.CLUSTER, infra.cluster_variables(settings), confirmation)

    assert (first.action, second.action) == ("unchanged", "unchanged")
    assert [argv[0] for argv in programs.argvs("tofu")] == ["plan", "plan"]
    assert person.asked == []


def test_answering_no_applies_nothing(programs: Programs, settings: Settings) -> None:  # noqa: F811
    programs.when("tofu", "plan", exit=2)
    confirmation, _ = at_terminal("n")

    with pytest.raises(Aborted) as caught:
        infra.apply(Runner(), infra.CLUSTER, infra.cluster_variables(settings), confirmation)

    assert caught.value.exit_code == ExitCode.ABORTED == 20
    assert str(caught.value) == "not confirmed (n); nothing was changed"
    assert [argv[0] for argv in programs.argvs("tofu")] == ["plan"]


def test_without_a_terminal_or_yes_nothing_runs_at_all(programs: Programs, settings: Settings) -> None:  # noqa: F811
    nobody = Confirmation(yes=False, interactive=False)

    with pytest.raises(Aborted, match=r"needs confirmation and stdin is not a terminal; re-run with --yes"):
        infra.destroy(Runner(), infra.CLUSTER, infra.cluster_variables(settings), nobody)

    assert programs.calls() == []


def test_destroy_plans_the_destruction_and_applies_it_with_yes(programs: Programs, settings: Settings) -> None:  # noqa: F811
    programs.when("tofu", "plan", exit=2)

    result = infra.destroy(Runner(), infra.CLUSTER, infra.cluster_variables(settings), Confirmation(True, False))

    plan, apply = programs.argvs("tofu")
    assert plan[:4] == ["plan", "-input=false", "-detailed-exitcode", "-destroy"]
    assert apply == ["apply", "-input=false", plan_file_of(plan)]
    assert result.action == "destroyed"


def test_a_saved_plan_is_applied_as_it_is_after_asking(programs: Programs, settings: Settings) -> None:  # noqa: F811
    confirmation, person = at_terminal("yes")

    infra.apply(Runner(), infra.CLUSTER, (), confirmation, plan_file=Path("/tmp/cluster.tfplan"))

    assert programs.argvs("tofu") == [["apply", "-input=false", "/tmp/cluster.tfplan"]]
    assert person.asked == ["Apply the saved plan /tmp/cluster.tfplan to the EKS cluster (iac/)? [y/N] "]


def test_a_dry_run_lists_plan_and_apply_and_runs_neither(programs: Programs, settings: Settings) -> None:  # noqa: F811
    runner = Runner(dry_run=True)

    result = infra.apply(runner, infra.CLUSTER, infra.cluster_variables(settings), Confirmation(False, False))

    assert programs.calls() == []
    assert result.action == "dry run"
    assert result.commands[0].startswith(
        "cd iac && tofu plan -input=false -detailed-exitcode "
        "-var region=eu-central-1 -var cluster_name=kratix-demo -out="
    )
    assert result.commands[1].startswith("cd iac && tofu apply -input=false /")


def test_outputs_are_read_with_tofu_output_json(programs: Programs) -> None:  # noqa: F811
    outputs = infra.read_outputs(Runner(), CLUSTER_MODULE)

    assert outputs == infra.ClusterOutputs(**OUTPUTS)
    assert programs.argvs() == [["tofu", "output", "-json"]]


def test_a_state_without_outputs_says_to_apply_first(programs: Programs) -> None:  # noqa: F811
    programs.set_outputs(None)

    with pytest.raises(infra.NoOutputs) as caught:
        infra.read_outputs(Runner(), CLUSTER_MODULE)

    assert str(caught.value) == "iac/ has no outputs yet (no state, or never applied); run `invoke infra.apply` first"
    assert caught.value.exit_code == ExitCode.NOT_FOUND


def test_an_older_state_missing_some_outputs_names_them(programs: Programs) -> None:  # noqa: F811
    programs.set_outputs({k: v for k, v in OUTPUTS.items() if k not in {"vpc_id", "account_id"}})

    with pytest.raises(infra.NoOutputs, match=r"lacks the outputs account_id, vpc_id; run `invoke infra.apply`"):
        infra.read_outputs(Runner(), CLUSTER_MODULE)


def test_argo_cd_variables_come_from_the_cluster_outputs(programs: Programs, settings: Settings) -> None:  # noqa: F811
    programs.set_outputs({**OUTPUTS, "region": "eu-west-1", "cluster_name": "platform-eu"})
    outputs = infra.read_outputs(Runner(), CLUSTER_MODULE)

    infra.plan(Runner(), infra.ARGOCD, infra.argocd_variables(outputs, settings))

    assert programs.calls()[-1].cwd == str(ARGOCD_MODULE)
    assert programs.argvs("tofu")[-1] == [
        "plan",
        "-input=false",
        "-var",
        "region=eu-west-1",
        "-var",
        "cluster_name=platform-eu",
        "-var",
        f"external_secrets_role_arn={OUTPUTS['external_secrets_role_arn']}",
    ]


def test_deployed_facts_prefer_outputs_and_fall_back_to_invoke_yaml_saying_why(
    programs: Programs,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    programs.set_outputs({**OUTPUTS, "region": "us-east-2"})
    deployed = infra.deployed_facts(Runner(), settings)
    flagged = infra.deployed_facts(Runner(), settings, region_flag="ap-south-1")
    only_stand_ins_on_path(programs, monkeypatch)
    programs.remove("tofu", "terraform")
    before_tofu = infra.deployed_facts(Runner(), settings)

    assert (deployed.region, deployed.note) == (infra.Sourced("us-east-2", "iac/ outputs"), None)
    assert deployed.external_secrets_role_arn == OUTPUTS["external_secrets_role_arn"]
    assert flagged.region == infra.Sourced("ap-south-1", "--region")
    assert before_tofu.region == infra.Sourced("eu-central-1", "cluster.region in invoke.yaml")
    assert before_tofu.kratix_git_secret_name.value == "kratix/git-credentials"
    assert before_tofu.note is not None and before_tofu.note.startswith("tofu or terraform not found on PATH")
