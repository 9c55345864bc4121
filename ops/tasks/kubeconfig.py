"""`kubeconfig`: a kubectl context for the EKS cluster, authenticated by `aws eks get-token`."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task


@task(
    name="kubeconfig",
    help={
        "cluster": "EKS cluster name (default: cluster.name from invoke.yaml)",
        "region": "AWS region (default: cluster.region from invoke.yaml)",
        "profile": "AWS profile for eks:DescribeCluster and the token (default: aws.profile; none: default chain)",
        "kubeconfig": "file to write (default: the first file of $KUBECONFIG, else ~/.kube/config)",
        "alias": "context name (default: the cluster ARN, as `aws eks update-kubeconfig` names it)",
        "dry_run": "say whether the context would be created, configured or left unchanged; write nothing",
    },
)
def kubeconfig(
    c: Context,
    cluster: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    kubeconfig: str | None = None,
    alias: str | None = None,
    dry_run: bool = False,
) -> None:
    """Write or merge a kubeconfig context for the EKS cluster and make it current.

    Reads the endpoint and CA with eks:DescribeCluster; the user runs
    `aws eks get-token --cluster-name <cluster> --region <region> [--profile <profile>]`.
    Other contexts are left as they are; a second run says "unchanged".

    Examples:
      invoke kubeconfig
      invoke kubeconfig --profile ops --alias kratix-demo
    """
    from ops.tasks.impl import kubeconfig as impl

    impl.kubeconfig(
        c, cluster=cluster, region=region, profile=profile, kubeconfig=kubeconfig, alias=alias, dry_run=dry_run
    )
