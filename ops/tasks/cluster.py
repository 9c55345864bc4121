"""`cluster.*`: register workload clusters with Kratix and Argo CD, remove them, list the fleet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.platform.fleet_access import ClusterAccess
    from ops.programs import Runner

PLATFORM_FLAGS = {
    "kubeconfig": "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
    "platform_context": "the platform cluster's context, where Kratix and Argo CD run (default: the current context)",
}


@task(
    help={
        "name": "the cluster's name: what a DatadogStack's spec.clusterName says to land there",
        "context": "the workload cluster's kubeconfig context (its server, CA and credentials go to Argo CD); "
        "default: the iac/ output workload_clusters.<name>",
        "eks": "instead of --context: the EKS cluster's name, read with eks:DescribeCluster (IAM access, no token)",
        "region": "with --eks: its AWS region (default: cluster.region)",
        "role_arn": "IAM role Argo CD assumes to reach an EKS cluster (default: Argo CD's own role)",
        "eso_role_arn": "IAM role of External Secrets on the cluster "
        "(default without --context/--eks: the iac/ output workload_clusters.<name>.eso_role_arn)",
        **PLATFORM_FLAGS,
        "dry_run": "say what would be created or configured (the cluster Secret with its data redacted); write nothing",
    },
    auto_shortflags=False,
)
def add(
    c: Context,
    name: str,
    context: str | None = None,
    eks: str | None = None,
    region: str | None = None,
    role_arn: str | None = None,
    eso_role_arn: str | None = None,
    kubeconfig: str | None = None,
    platform_context: str | None = None,
    dry_run: bool = False,
) -> None:
    """Register a workload cluster: a Kratix Destination, Argo CD's access to it and what a stack needs there.

    On the platform cluster: the Destination NAME (label kratix-ops/cluster=NAME, path clusters/NAME), the
    Argo CD cluster Secret cluster-NAME (IAM for EKS; a context's token or client certificate otherwise,
    never printed), and the Applications NAME-flux, NAME-external-secrets, NAME-secret-store (Flux's helm
    and source controllers, External Secrets and its store, on NAME) and NAME-workloads (the Destination's
    folder of the state store, synced to NAME). A second run says "unchanged".

    Without --context or --eks the cluster is the one `iac/` created: its endpoint, CA, EKS name and External
    Secrets role come from the output workload_clusters.<name> (`tofu output -json`), and Argo CD reaches it
    through IAM.

    Examples:
      invoke cluster.add payments
      invoke cluster.add payments --context kind-payments
      invoke cluster.add payments-eu --eks payments-eu --eso-role-arn arn:aws:iam::123456789012:role/payments-eu-eso
      invoke cluster.add payments --context kind-payments --dry-run
    """
    from ops.errors import BadInput
    from ops.platform import fleet
    from ops.render.console import make_consoles
    from ops.render.fleet import redacted_secret
    from ops.tasks.report import render_applied
    from ops.tasks.wiring import connect_kube, make_runner, say, show

    with reported_errors():
        settings = settings_of(c)
        fleet.check_name(name, settings)
        if context is not None and eks is not None:
            raise BadInput("--eks", eks, "not together with --context (one way to reach the cluster)")
        consoles = make_consoles()
        if context is None and eks is None:
            access, eso_role_arn = _from_iac(name, role_arn, eso_role_arn, make_runner(consoles, dry_run))
        else:
            access = _access(settings, kubeconfig, context, eks, region, role_arn)
        cluster = fleet.WorkloadCluster(name, access, eso_role_arn)
        say(consoles, f"cluster {name}: {access.server}, Argo CD access by {access.how}")
        with connect_kube(kubeconfig, platform_context) as kube:
            applied = fleet.add_cluster(kube, cluster, settings, dry_run=dry_run)
        render_applied(applied, consoles, dry_run=dry_run)
        if dry_run:
            show(consoles, redacted_secret(fleet.cluster_secret(cluster), cluster))
        if not eso_role_arn:
            say(
                consoles,
                f"note: External Secrets on {name} has no IAM role; pass --eso-role-arn for its store to read AWS",
            )


def _from_iac(name: str, role: str | None, eso_role: str | None, runner: Runner) -> tuple[ClusterAccess, str]:
    """IAM access to the cluster `iac/` created under this name, and its External Secrets role."""
    from ops.errors import BadInput
    from ops.platform.fleet_access import eks_access
    from ops.platform.fleet_outputs import workload_outputs

    outputs = workload_outputs(runner)
    found = outputs.get(name)
    if found is None:
        known = ", ".join(outputs) or "none"
        raise BadInput("NAME", name, f"a workload cluster of iac/ ({known}), or pass --context or --eks")
    access = eks_access(found.endpoint, found.cluster_name, role, found.certificate_authority_data)
    return access, eso_role or found.eso_role_arn


def _access(
    settings: Settings,
    kubeconfig: str | None,
    context: str | None,
    eks: str | None,
    region: str | None,
    role: str | None,
) -> ClusterAccess:
    from pathlib import Path

    from ops.aws import AwsTarget, session
    from ops.platform.fleet_access import context_access, eks_cluster_access

    if eks is not None:
        target = AwsTarget(region or settings.region, settings.aws_profile)
        return eks_cluster_access(session(target), target, eks, role)
    assert context is not None
    return context_access(Path(kubeconfig).expanduser() if kubeconfig else None, context, role)


@task(
    help={
        "name": "the cluster to remove (as `cluster.add` registered it)",
        **PLATFORM_FLAGS,
        "yes": "do not ask for confirmation",
        "dry_run": "say what would be deleted; delete nothing",
    },
    auto_shortflags=False,
)
def remove(
    c: Context,
    name: str,
    kubeconfig: str | None = None,
    platform_context: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
) -> None:
    """Remove a workload cluster: what `cluster.add` created, refused while stacks are scheduled there.

    Refused (exit 1, listing them) while DatadogStacks name the cluster in spec.clusterName or WorkPlacements
    target its Destination. Asks first (or --yes). Argo CD removes Flux and External Secrets from the cluster
    as their Applications go. A cluster that is not registered says so and succeeds.

    Examples:
      invoke cluster.remove payments --dry-run
      invoke cluster.remove payments --yes
    """
    from ops.platform import fleet
    from ops.render.console import make_consoles
    from ops.tasks.wiring import connect_kube, make_confirmation, say, show

    with reported_errors():
        settings = settings_of(c)
        fleet.check_name(name, settings)
        consoles = make_consoles()
        confirmation = make_confirmation(consoles, yes)
        with connect_kube(kubeconfig, platform_context) as kube:
            refs = fleet.existing_refs(kube, name, settings)
            if not refs:
                show(consoles, f"cluster {name} is not registered: nothing to remove")
                return
            fleet.check_removable(kube, name, settings)
            if not dry_run:
                listed = ", ".join(str(r.ref) for r in refs)
                confirmation.require(f"Remove cluster {name} ({listed})?")
            for removed in fleet.remove_cluster(kube, refs, dry_run=dry_run):
                show(consoles, str(removed))
        if dry_run:
            say(consoles, "dry run: nothing was deleted")


@task(
    name="list",
    help={**PLATFORM_FLAGS, "output": "table (default) or json"},
    auto_shortflags=False,
)
def list_(
    c: Context, kubeconfig: str | None = None, platform_context: str | None = None, output: str = "table"
) -> None:
    """The fleet: each cluster's Destination and its readiness, Argo CD's sync of its folder, its DatadogStacks.

    READY is the Destination's Ready condition; SYNC and HEALTH are those of the Application that syncs the
    Destination's folder to the cluster (kratix-platform-workloads for the platform, NAME-workloads else).

    Examples:
      invoke cluster.list
      invoke cluster.list --output json
    """
    from ops.errors import one_of
    from ops.platform import fleet
    from ops.render.console import make_consoles
    from ops.render.fleet import LIST_OUTPUTS, render_fleet
    from ops.tasks.wiring import connect_kube

    with reported_errors():
        one_of("--output", output, LIST_OUTPUTS)
        settings = settings_of(c)
        with connect_kube(kubeconfig, platform_context) as kube:
            members = fleet.fleet(kube, settings)
        render_fleet(members, output, make_consoles())


ns = Collection("cluster", add, remove, list_)
