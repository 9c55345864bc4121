"""`infra.*`: the EKS cluster, network and IRSA roles in `iac/`, through OpenTofu (or Terraform)."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

VAR_FLAGS = {
    "region": "AWS region, passed as -var region=... (default: cluster.region from invoke.yaml)",
    "cluster": "cluster name, passed as -var cluster_name=... (default: cluster.name from invoke.yaml)",
    "profile": "AWS profile, passed as -var aws_profile=... (default: aws.profile; none: the default chain)",
}
DRY_RUN = {"dry_run": "print the commands with the values they would pass; run none of them"}


@task(help=DRY_RUN)
def init(c: Context, dry_run: bool = False) -> None:
    """Initialise iac/ (providers, modules, backend): `tofu init -input=false`.

    Uses `terraform` when `tofu` is not installed.

    Example: invoke infra.init
    """
    from ops.tasks.impl import infra as impl

    impl.init(c, dry_run=dry_run)


@task(help={**VAR_FLAGS, "out": "also save the plan to this file (apply it with `infra.apply --plan-file`)", **DRY_RUN})
def plan(
    c: Context,
    region: str | None = None,
    cluster: str | None = None,
    profile: str | None = None,
    out: str | None = None,
    dry_run: bool = False,
) -> None:
    """Show what `infra.apply` would change in iac/: `tofu plan -input=false -var ...`.

    Examples:
      invoke infra.plan
      invoke infra.plan --dry-run            # the exact command and -var values, nothing run
      invoke infra.plan --out cluster.tfplan
    """
    from ops.tasks.impl import infra as impl

    impl.plan(c, region=region, cluster=cluster, profile=profile, out=out, dry_run=dry_run)


@task(
    help={
        **VAR_FLAGS,
        "plan_file": "apply this saved plan (from `infra.plan --out`) instead of planning again",
        "yes": "do not ask before applying (needed when stdin is not a terminal)",
        **DRY_RUN,
    }
)
def apply(
    c: Context,
    region: str | None = None,
    cluster: str | None = None,
    profile: str | None = None,
    plan_file: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
) -> None:
    """Create or update the cluster: plan, ask about that plan, then `tofu apply <plan>`.

    A plan without changes applies nothing and says "unchanged". Takes about 15 minutes the first time.

    Examples:
      invoke infra.apply
      invoke infra.apply --yes                    # in CI
      invoke infra.apply --plan-file cluster.tfplan
    """
    from ops.tasks.impl import infra as impl

    impl.apply(c, region=region, cluster=cluster, profile=profile, plan_file=plan_file, yes=yes, dry_run=dry_run)


@task(help={**VAR_FLAGS, "yes": "do not ask before destroying (needed when stdin is not a terminal)", **DRY_RUN})
def destroy(
    c: Context,
    region: str | None = None,
    cluster: str | None = None,
    profile: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
) -> None:
    """Destroy the cluster and everything in iac/: plan the destruction, ask, apply that plan.

    Destroy Argo CD first (`invoke argocd.destroy`), and delete the DatadogStacks before that.

    Example: invoke infra.destroy
    """
    from ops.tasks.impl import infra as impl

    impl.destroy(c, region=region, cluster=cluster, profile=profile, yes=yes, dry_run=dry_run)


ns = Collection("infra", init, plan, apply, destroy)
