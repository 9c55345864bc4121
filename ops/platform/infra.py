"""OpenTofu for the cluster (`iac/`) and the Argo CD bootstrap (`iac/argocd/`): init, plan, apply, destroy, outputs.

    init(runner, CLUSTER)
    result = apply(runner, CLUSTER, cluster_variables(settings), confirmation)   # plan, ask, apply the plan
    outputs = read_outputs(runner, CLUSTER_MODULE)                             # tofu output -json

`apply` and `destroy` show the plan first and ask about exactly that plan (`tofu apply <planfile>`); a plan
without changes is reported as "unchanged" and nothing is applied. Variables go in as `-var name=value`;
none of them is a secret.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

from ops.config import Settings
from ops.confirmation import Confirmation
from ops.errors import ExitCode, OpsError
from ops.programs import TOFU, Command, ProgramMissing, Runner
from ops.repository import ARGOCD_MODULE, CLUSTER_MODULE, shown

Variables = tuple[tuple[str, str], ...]
NO_CHANGES, CHANGES = 0, 2  # `plan -detailed-exitcode`


@dataclass(frozen=True)
class Module:
    path: Path
    what: str  # what it creates, for questions and messages

    def __str__(self) -> str:
        return f"{self.what} ({shown(self.path)}/)"


CLUSTER = Module(CLUSTER_MODULE, "the EKS cluster")
ARGOCD = Module(ARGOCD_MODULE, "Argo CD")


@dataclass(frozen=True)
class ClusterOutputs:
    """The outputs of `iac/` (iac/outputs.tf); the names are the interface between the module and the tasks."""

    cluster_name: str
    region: str
    cluster_endpoint: str
    cluster_certificate_authority_data: str
    oidc_provider_arn: str
    external_secrets_role_arn: str
    account_id: str
    vpc_id: str
    kratix_git_secret_name: str
    datadog_secret_prefix: str


@dataclass(frozen=True)
class TofuResult:
    module: str
    action: str  # initialised, planned, applied, destroyed, unchanged, dry run
    commands: tuple[str, ...]  # as run (or, in a dry run, as they would run)


class NoOutputs(OpsError):
    exit_code = ExitCode.NOT_FOUND


def cluster_variables(settings: Settings) -> Variables:
    """`-var` values for iac/: from invoke.yaml, INVOKE_* variables or flags."""
    return (("region", settings.region), ("cluster_name", settings.cluster_name), *_profile(settings))


def argocd_variables(outputs: ClusterOutputs, settings: Settings) -> Variables:
    """`-var` values for iac/argocd/: the cluster's own outputs, never typed in twice."""
    return (
        ("region", outputs.region),
        ("cluster_name", outputs.cluster_name),
        ("external_secrets_role_arn", outputs.external_secrets_role_arn),
        *_profile(settings),
    )


def _profile(settings: Settings) -> Variables:
    return (("aws_profile", settings.aws_profile),) if settings.aws_profile else ()


def _var_args(variables: Variables) -> tuple[str, ...]:
    return tuple(arg for name, value in variables for arg in ("-var", f"{name}={value}"))


def init(runner: Runner, module: Module) -> TofuResult:
    done = runner.run(Command(TOFU, ("init", "-input=false"), cwd=module.path))
    return TofuResult(str(module), "initialised" if done.ran else "dry run", (done.command,))


def plan(runner: Runner, module: Module, variables: Variables, out: Path | None = None) -> TofuResult:
    """`tofu plan`, optionally saving the plan for `apply --plan-file`."""
    args = ("plan", "-input=false", *_var_args(variables), *((f"-out={out}",) if out else ()))
    done = runner.run(Command(TOFU, args, cwd=module.path))
    return TofuResult(str(module), "planned" if done.ran else "dry run", (done.command,))


def apply(
    runner: Runner,
    module: Module,
    variables: Variables,
    confirmation: Confirmation,
    *,
    plan_file: Path | None = None,
) -> TofuResult:
    """Plan, ask about that plan, apply it. With plan_file: ask, then apply the saved plan as it is."""
    if plan_file is not None:
        if not runner.dry_run:
            confirmation.require(f"Apply the saved plan {plan_file} to {module}?")
        done = runner.run(Command(TOFU, ("apply", "-input=false", str(plan_file)), cwd=module.path))
        return TofuResult(str(module), "applied" if done.ran else "dry run", (done.command,))
    return _reviewed(runner, module, variables, confirmation, destroy=False)


def destroy(runner: Runner, module: Module, variables: Variables, confirmation: Confirmation) -> TofuResult:
    """Plan the destruction, ask about that plan, apply it; nothing to destroy is "unchanged"."""
    return _reviewed(runner, module, variables, confirmation, destroy=True)


def _reviewed(
    runner: Runner, module: Module, variables: Variables, confirmation: Confirmation, *, destroy: bool
) -> TofuResult:
    verb = "destroy" if destroy else "apply"
    if not runner.dry_run:
        confirmation.check_possible(f"{verb} of {module}")
    with tempfile.TemporaryDirectory(prefix="kratix-ops-") as tmp:
        plan_path = Path(tmp) / f"{module.path.name}.tfplan"
        args = ("plan", "-input=false", "-detailed-exitcode", *(("-destroy",) if destroy else ()))
        planned = runner.run(
            Command(TOFU, (*args, *_var_args(variables), f"-out={plan_path}"), cwd=module.path),
            ok_codes=(NO_CHANGES, CHANGES),
        )
        apply_command = Command(TOFU, ("apply", "-input=false", str(plan_path)), cwd=module.path)
        if runner.dry_run:
            applied = runner.run(apply_command)
            return TofuResult(str(module), "dry run", (planned.command, applied.command))
        if planned.exit_code == NO_CHANGES:
            return TofuResult(str(module), "unchanged", (planned.command,))
        settings_said = ", ".join(f"{name}={value}" for name, value in variables)
        question = (
            f"Destroy everything in the plan above: {module}, {settings_said}? This cannot be undone."
            if destroy
            else f"Apply the plan above to {module}, {settings_said}?"
        )
        confirmation.require(question)
        applied = runner.run(apply_command)
    return TofuResult(str(module), "destroyed" if destroy else "applied", (planned.command, applied.command))


def read_outputs(runner: Runner, module_dir: Path = CLUSTER_MODULE) -> ClusterOutputs:
    """The module's outputs through `tofu output -json` (a query: it runs under dry_run too)."""
    done = runner.run(Command(TOFU, ("output", "-json"), cwd=module_dir, query=True), capture=True)
    where = f"{shown(module_dir)}/"
    try:
        data = json.loads(done.stdout or "{}")
    except ValueError as err:
        raise OpsError(f"`{done.command}` did not print JSON ({err}); is {where} an OpenTofu module?") from err
    if not isinstance(data, dict) or not data:
        raise NoOutputs(f"{where} has no outputs yet (no state, or never applied); run `invoke infra.apply` first")
    names = [f.name for f in fields(ClusterOutputs)]
    missing = [name for name in names if name not in data]
    if missing:
        raise NoOutputs(
            f"the state of {where} lacks the outputs {', '.join(missing)}; run `invoke infra.apply` to refresh them"
        )
    return ClusterOutputs(**{name: str(data[name].get("value", "")) for name in names})


@dataclass(frozen=True)
class Sourced:
    """A value and where it came from (said to the user, so a surprise can be traced)."""

    value: str
    source: str


@dataclass(frozen=True)
class DeployedFacts:
    """What later steps take from the cluster's outputs, with invoke.yaml as the fallback before it exists."""

    region: Sourced
    external_secrets_role_arn: str | None
    kratix_git_secret_name: Sourced
    note: str | None  # why the outputs were not used


DEFAULT_GIT_SECRET = "kratix/git-credentials"  # iac/variables.tf kratix_git_secret_name default


def deployed_facts(runner: Runner, settings: Settings, region_flag: str | None = None) -> DeployedFacts:
    """Region, ESO role and git-credentials secret: --region, else `iac/` outputs, else invoke.yaml.

    Without OpenTofu or before `infra.apply` the outputs are missing: the fallback is said in `note`.
    A failing `tofu output` (e.g. an uninitialised S3 backend) is an error, not a silent fallback.
    """
    try:
        outputs: ClusterOutputs | None = read_outputs(runner, CLUSTER_MODULE)
        note = None
    except (NoOutputs, ProgramMissing) as err:
        outputs, note = None, f"{err.message}; using invoke.yaml"
    if region_flag:
        region = Sourced(region_flag, "--region")
    elif outputs is not None:
        region = Sourced(outputs.region, "iac/ outputs")
    else:
        region = Sourced(settings.region, "cluster.region in invoke.yaml")
    git_secret = (
        Sourced(outputs.kratix_git_secret_name, "iac/ outputs")
        if outputs is not None
        else Sourced(DEFAULT_GIT_SECRET, "the iac/ default")
    )
    return DeployedFacts(region, outputs.external_secrets_role_arn if outputs else None, git_secret, note)
