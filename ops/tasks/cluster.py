"""`cluster.*`: register workload clusters with Kratix and Argo CD, remove them, list the fleet."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

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
    from ops.tasks.impl import cluster as impl

    impl.add(
        c,
        name=name,
        context=context,
        eks=eks,
        region=region,
        role_arn=role_arn,
        eso_role_arn=eso_role_arn,
        kubeconfig=kubeconfig,
        platform_context=platform_context,
        dry_run=dry_run,
    )


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
    from ops.tasks.impl import cluster as impl

    impl.remove(c, name=name, kubeconfig=kubeconfig, platform_context=platform_context, yes=yes, dry_run=dry_run)


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
    from ops.tasks.impl import cluster as impl

    impl.list_(c, kubeconfig=kubeconfig, platform_context=platform_context, output=output)


ns = Collection("cluster", add, remove, list_)
