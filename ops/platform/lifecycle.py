"""`setup` and `teardown` as data: the Taskfile's sequences as steps that know when they are done already.

setup:    preflight, infra.init, infra.apply, kubeconfig, argocd.init, argocd.apply, argocd.apps,
          argocd.sync (instead of `sleep 60`), kratix.apply, external-secrets.apply, promise.apply
teardown: datadog.delete --all, promise.delete, argocd.destroy, infra.destroy

Each step returns Done(skipped=True) when it found nothing to do, so a second run after a failure
resumes where the first stopped. Nothing here prints: the task renders the StepEvents.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ops.aws import AwsTarget, caller_identity, session
from ops.config import Settings
from ops.confirmation import Confirmation
from ops.errors import BadInput, OpsError
from ops.kube import KubeTarget, connect, installed_groups
from ops.kube.errors import CrdMissing
from ops.kube.objects import Applied
from ops.platform import infra
from ops.platform.argocd import AppSettings, applications, apply_applications
from ops.platform.argocd_sync import wait_for_applications
from ops.platform.kubeconfig import default_path, describe_cluster, merge_kubeconfig, read_kubeconfig
from ops.platform.stores import PlatformConfig, apply_all, kratix_objects, secret_store_objects
from ops.programs import TOFU, Program, ProgramMissing, Runner
from ops.repository import ARGOCD_APPS, PROMISE_FILE
from ops.stacks.datadog import delete_stack, stacks_to_delete, wait_stacks_gone
from ops.stacks.promise import apply_promise, delete_promise, load_promise, wait_for_promise, wait_promise_gone
from ops.steps import Done, Step
from ops.wait import Progress

if TYPE_CHECKING:
    from ops.kube import Kube

AWS_CLI = Program(
    ("aws",),
    "install the AWS CLI v2 (https://docs.aws.amazon.com/cli/): the kubeconfig's user runs `aws eks get-token`",
)
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


@dataclass
class Platform:
    """The collaborators every step shares; the Kubernetes client is made once the kubeconfig exists."""

    settings: Settings
    runner: Runner
    confirmation: Confirmation
    kubeconfig: Path | None = None
    context: str | None = None  # default: the cluster's name (the context `setup` writes)
    timeout: float = 900.0
    on_progress: Progress | None = None
    _kube: Kube | None = field(default=None, repr=False)
    _facts: infra.DeployedFacts | None = field(default=None, repr=False)

    @property
    def aws(self) -> AwsTarget:
        return AwsTarget(self.settings.region, self.settings.aws_profile)

    @property
    def context_name(self) -> str:
        return self.context or self.settings.cluster_name

    @property
    def kubeconfig_path(self) -> Path:
        return self.kubeconfig or default_path()

    def kube(self) -> Kube:
        """The API client of the platform's context, checked to answer (one discovery request)."""
        if self._kube is None:
            kube = connect(KubeTarget(self.kubeconfig_path, self.context_name))
            installed_groups(kube)
            self._kube = kube
        return self._kube

    def facts(self) -> infra.DeployedFacts:
        """Region and git secret from the iac/ outputs: read once (`tofu output -json`), after infra.apply."""
        if self._facts is None:
            self._facts = infra.deployed_facts(self.runner, self.settings)
        return self._facts

    def close(self) -> None:
        if self._kube is not None:
            self._kube.close()
            self._kube = None


def _tofu(result: infra.TofuResult, what: str) -> Done:
    if result.action == "unchanged":
        return Done(f"{what}: no changes", skipped=True)
    return Done(f"{what}: {result.action}")


def _applied(items: list[Applied], what: str) -> Done:
    changed = [f"{a.ref} {a.action}" for a in items if a.changed]
    if not changed:
        return Done(f"{what}: {len(items)} unchanged", skipped=True)
    return Done(f"{what}: {', '.join(changed)}")


def _initialised(module: infra.Module) -> Callable[[Platform], Done]:
    def step(p: Platform) -> Done:
        if (module.path / ".terraform").is_dir():
            return Done(f"{module} initialised already (.terraform/ exists)", skipped=True)
        return _tofu(infra.init(p.runner, module), str(module))

    return step


def preflight(p: Platform) -> Done:
    """Programs present, region well-formed, AWS identity through STS (and, later, the context answers)."""
    if not REGION.fullmatch(p.settings.region):
        raise BadInput("cluster.region", p.settings.region, "an AWS region such as eu-central-1")
    tofu = p.runner.executable(TOFU)
    if shutil.which(AWS_CLI.name) is None:
        raise ProgramMissing(AWS_CLI)
    identity = caller_identity(session(p.aws), p.aws)
    return Done(f"{Path(tofu).name} and aws found; AWS account {identity.account} as {identity.arn}")


def infra_apply(p: Platform) -> Done:
    return _tofu(
        infra.apply(p.runner, infra.CLUSTER, infra.cluster_variables(p.settings), p.confirmation), str(infra.CLUSTER)
    )


def kubeconfig(p: Platform) -> Done:
    """A context for the cluster; one that exists and answers is left as it is."""
    contexts = [c.get("name") for c in read_kubeconfig(p.kubeconfig_path).get("contexts") or []]
    if p.context_name in contexts:
        try:
            p.kube()
            return Done(f"context {p.context_name} exists and its API answers", skipped=True)
        except OpsError:
            p.close()  # stale (e.g. a cluster re-created): write it again
    cluster = describe_cluster(session(p.aws), p.aws, p.settings.cluster_name)
    change = merge_kubeconfig(p.kubeconfig_path, cluster, profile=p.settings.aws_profile, alias=p.context_name)
    p.kube()  # the new context must answer before anything is applied through it
    return Done(f"context {change.context} in {change.path}: {change.action}; its API answers")


def argocd_apply(p: Platform) -> Done:
    outputs = infra.read_outputs(p.runner, infra.CLUSTER.path)
    variables = infra.argocd_variables(outputs, p.settings)
    return _tofu(infra.apply(p.runner, infra.ARGOCD, variables, p.confirmation), str(infra.ARGOCD))


def _applications(p: Platform) -> list[dict[str, Any]]:
    facts = p.facts()
    fill = AppSettings.of(p.settings, region=facts.region.value, git_secret=facts.kratix_git_secret_name.value)
    return applications(ARGOCD_APPS, fill)


def argocd_apps(p: Platform) -> Done:
    return _applied(apply_applications(p.kube(), _applications(p)), "Applications")


def argocd_sync(p: Platform) -> Done:
    names = [a["metadata"]["name"] for a in _applications(p)]
    result = wait_for_applications(
        p.kube(), names, timeout=p.timeout, interval=p.settings.wait_interval, on_progress=p.on_progress
    )
    return Done(result.observation.detail, skipped=result.polls == 1)


def _platform_config(p: Platform) -> PlatformConfig:
    facts = p.facts()
    return PlatformConfig.of(p.settings, region=facts.region.value, git_secret=facts.kratix_git_secret_name.value)


def kratix_apply(p: Platform) -> Done:
    return _applied(apply_all(p.kube(), kratix_objects(_platform_config(p))), "GitStateStore and Destination")


def external_secrets_apply(p: Platform) -> Done:
    return _applied(
        apply_all(p.kube(), secret_store_objects(_platform_config(p))), "ClusterSecretStore and git-credentials"
    )


def promise_apply(p: Platform) -> Done:
    source = load_promise(PROMISE_FILE, p.settings)
    applied = apply_promise(p.kube(), source)
    progress = wait_for_promise(
        p.kube(),
        p.settings.promise_name,
        timeout=p.timeout,
        interval=p.settings.wait_interval,
        on_progress=p.on_progress,
    )
    return Done(f"{applied}; {progress.phase}", skipped=not applied.changed)


def setup_steps(p: Platform) -> list[Step]:
    s = p.settings
    steps: list[tuple[str, str, Callable[[Platform], Done]]] = [
        ("preflight", "tofu or terraform and the aws CLI on PATH, region set, AWS identity via STS", preflight),
        ("infra.init", "tofu init in iac/", _initialised(infra.CLUSTER)),
        ("infra.apply", f"VPC and EKS cluster {s.cluster_name} in {s.region}: plan, ask, apply", infra_apply),
        ("kubeconfig", f"context for {s.cluster_name} (aws eks get-token), checked to answer", kubeconfig),
        ("argocd.init", "tofu init in iac/argocd/", _initialised(infra.ARGOCD)),
        ("argocd.apply", "Argo CD and the External Secrets service account: plan, ask, apply", argocd_apply),
        ("argocd.apps", f"the Applications in gitops/argocd/apps/ for {s.statestore_url}", argocd_apps),
        ("argocd.sync", "wait until every Application is Synced and Healthy", argocd_sync),
        ("kratix.apply", "GitStateStore and Destination", kratix_apply),
        ("external-secrets.apply", "ClusterSecretStore and the git-credentials ExternalSecret", external_secrets_apply),
        ("promise.apply", f"the {s.promise_name} Promise, until Kratix says Available", promise_apply),
    ]
    return [Step(name, summary, partial(run, p)) for name, summary, run in steps]


# ------------------------------------------------------------------------------------------------
# teardown
# ------------------------------------------------------------------------------------------------
def _cluster_gone(p: Platform) -> bool:
    """True when iac/ has no outputs: the cluster was destroyed already (a resumed teardown)."""
    try:
        infra.read_outputs(p.runner, infra.CLUSTER.path)
    except infra.NoOutputs:
        return True
    return False


def delete_stacks(p: Platform) -> Done:
    if _cluster_gone(p):
        return Done("the cluster is gone already", skipped=True)
    kube = p.kube()
    targets = stacks_to_delete(kube, p.settings, None)
    if not targets:
        return Done("no DatadogStacks", skipped=True)
    for target in targets:
        delete_stack(kube, target, p.settings)
    wait_stacks_gone(
        kube, targets, p.settings, timeout=p.timeout, interval=p.settings.wait_interval, on_progress=p.on_progress
    )
    return Done(f"{len(targets)} DatadogStack(s) and their namespaces deleted")


def delete_promise_step(p: Platform) -> Done:
    if _cluster_gone(p):
        return Done("the cluster is gone already", skipped=True)
    kube = p.kube()
    try:
        existed = delete_promise(kube, p.settings.promise_name)
    except CrdMissing:
        return Done("Kratix is not installed: no Promise", skipped=True)
    if not existed:
        return Done(f"Promise {p.settings.promise_name} is gone already", skipped=True)
    wait_promise_gone(
        kube, p.settings.promise_name, timeout=p.timeout, interval=p.settings.wait_interval, on_progress=p.on_progress
    )
    return Done(f"Promise {p.settings.promise_name} deleted")


def argocd_destroy(p: Platform) -> Done:
    try:
        outputs = infra.read_outputs(p.runner, infra.CLUSTER.path)
    except infra.NoOutputs:
        return Done("the cluster is gone already", skipped=True)
    variables = infra.argocd_variables(outputs, p.settings)
    return _tofu(infra.destroy(p.runner, infra.ARGOCD, variables, p.confirmation), str(infra.ARGOCD))


def infra_destroy(p: Platform) -> Done:
    return _tofu(
        infra.destroy(p.runner, infra.CLUSTER, infra.cluster_variables(p.settings), p.confirmation), str(infra.CLUSTER)
    )


def teardown_steps(p: Platform) -> list[Step]:
    s = p.settings
    steps: list[tuple[str, str, Callable[[Platform], Done]]] = [
        ("datadog.delete", "every DatadogStack, waiting until it and its namespace are gone", delete_stacks),
        ("promise.delete", f"the {s.promise_name} Promise, waiting until it is gone", delete_promise_step),
        ("argocd.destroy", "Argo CD (and what its Applications installed): plan, destroy", argocd_destroy),
        ("infra.destroy", f"the EKS cluster {s.cluster_name} and its VPC: plan, destroy", infra_destroy),
    ]
    return [Step(name, summary, partial(run, p)) for name, summary, run in steps]
