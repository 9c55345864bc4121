"""`pipeline.*`: the DatadogStack configure pipeline."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "tier": "minimal, standard or full (default: the API's default, minimal)",
        "name": "the DatadogStack's name (default: example)",
        "namespace": "the DatadogStack's namespace (default: default)",
        "env": "environment; selects the secret datadog/<env>/api-keys (default: dev)",
        "cluster": "cluster name as Datadog shows it (default: cluster.name from invoke.yaml)",
        "site": "Datadog site, e.g. datadoghq.com (default: datadog.site from invoke.yaml)",
        "tag": "extra Datadog tag key:value; repeat for more",
        "file": "read the request from this YAML file instead of the flags above",
        "write": "also write the files into this state-store checkout, in Kratix's layout "
        "(<statestore.path>/<the Destination path of the cluster>/resources/<ns>/<promise>/<name>/<pipeline>/<id>/; "
        "clusters/<cluster> for a workload cluster)",
        "output": "table (default), json (the result as data) or yaml (the manifests only)",
        "dry_run": "with --write: say what would be written, write nothing",
    },
    iterable=["tag"],
)
def run(
    c: Context,
    tier: str | None = None,
    name: str = "example",
    namespace: str = "default",
    env: str | None = None,
    cluster: str | None = None,
    site: str | None = None,
    tag: list[str] | None = None,
    file: str | None = None,
    write: str | None = None,
    output: str = "table",
    dry_run: bool = False,
) -> None:
    """Run the DatadogStack pipeline locally, no cluster needed, and show what Kratix would commit.

    The same pipeline code as the image runs over a temporary /kratix input/output/metadata tree.
    An invalid request fails with the same one-line error as in the cluster, and nothing is written.

    Examples:
      invoke pipeline.run --tier full --name production --env prod
      invoke pipeline.run --file promises/examples/standard-tier.yaml --write .
    """
    from ops.tasks.impl import pipeline as impl

    impl.run(
        c,
        tier=tier,
        name=name,
        namespace=namespace,
        env=env,
        cluster=cluster,
        site=site,
        tag=tag,
        file=file,
        write=write,
        output=output,
        dry_run=dry_run,
    )


@task(
    help={
        "push": "also push the image (refused while the pipeline folder has uncommitted changes)",
        "dry_run": "print the docker commands with the tag they would use; run neither",
    }
)
def build(c: Context, push: bool = False, dry_run: bool = False) -> None:
    """Build the pipeline image from promises/pipelines/datadog-configure, tagged with the git revision.

    The tag is <promise.image without its tag>:<git short revision> (`-dirty` with uncommitted changes in
    the pipeline folder). Needs Docker running.

    Examples:
      invoke pipeline.build
      invoke pipeline.build --push
    """
    from ops.tasks.impl import pipeline as impl

    impl.build(c, push=push, dry_run=dry_run)


@task(
    help={
        "ref": "branch or tag to run the workflow on (default: the repository's default branch)",
        "timeout": "seconds to wait for GitHub to list the new run (default: 60)",
        "dry_run": "check gh, print the gh commands; run none that change anything",
    }
)
def trigger(c: Context, ref: str | None = None, timeout: float = 60.0, dry_run: bool = False) -> None:
    """Run the pipeline-image GitHub workflow and watch it until it finishes (exit 1 if it fails).

    Runs `gh workflow run pipeline-image.yaml`, then `gh run watch <run id> --exit-status`.
    Needs the GitHub CLI, logged in (`gh auth login`).

    Example: invoke pipeline.trigger --ref main
    """
    from ops.tasks.impl import pipeline as impl

    impl.trigger(c, ref=ref, timeout=timeout, dry_run=dry_run)


ns = Collection("pipeline", run, build, trigger)
