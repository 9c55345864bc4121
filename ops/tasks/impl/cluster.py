"""What the `cluster.*` tasks do (declared in ops/tasks/cluster.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.platform.fleet_access import ClusterAccess
    from ops.programs import Runner


def add(
    c: Context,
    name: str,
    context: str | None,
    eks: str | None,
    region: str | None,
    role_arn: str | None,
    eso_role_arn: str | None,
    kubeconfig: str | None,
    platform_context: str | None,
    dry_run: bool,
) -> None:
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


def remove(
    c: Context, name: str, kubeconfig: str | None, platform_context: str | None, yes: bool, dry_run: bool
) -> None:
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


def list_(c: Context, kubeconfig: str | None, platform_context: str | None, output: str) -> None:
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
