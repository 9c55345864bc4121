"""`pipeline.*`: the DatadogStack configure pipeline."""

from __future__ import annotations

from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of


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
    from ops.errors import BadInput
    from ops.render.console import make_consoles
    from ops.render.pipeline_run import check_output, render_local_run, render_state_store_write
    from ops.stacks.local_run import (
        RequestFlags,
        load_request_file,
        request_from_flags,
        run_locally,
        write_state_store,
    )

    with reported_errors():
        settings = settings_of(c)
        check_output(output)
        if dry_run and write is None:
            raise BadInput("--dry-run", True, "only together with --write (nothing else is written)")
        if file is not None:
            given = {"--tier": tier, "--env": env, "--cluster": cluster, "--site": site, "--tag": tag or None}
            clash = next((flag for flag, value in given.items() if value is not None), None)
            if clash is not None:
                raise BadInput(clash, given[clash], "not together with --file (edit the file instead)")
            request = load_request_file(Path(file), settings)
        else:
            flags = RequestFlags(
                name=name,
                namespace=namespace,
                cluster_name=cluster,
                tier=tier,
                environment=env,
                site=site,
                tags=tuple(tag or ()),
            )
            request = request_from_flags(flags, settings)
        result = run_locally(request, settings)
        consoles = make_consoles()
        render_local_run(result, output, consoles)
        if write is not None:
            render_state_store_write(write_state_store(result, Path(write), settings, dry_run), dry_run, consoles)


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
    from ops.render.console import make_consoles
    from ops.stacks.pipeline_image import build as build_image
    from ops.stacks.pipeline_image import image_repository
    from ops.tasks.wiring import make_runner, say, show

    with reported_errors():
        settings = settings_of(c)
        consoles = make_consoles()
        built = build_image(make_runner(consoles, dry_run), image_repository(settings.pipeline_image), push=push)
        show(
            consoles,
            f"{built.image} {'would be built' if built.dry_run else 'built'}{', pushed' if built.pushed else ''}",
        )
        if built.dirty:
            say(consoles, "note: the pipeline folder has uncommitted changes (tag ends in -dirty)")
        if not built.dry_run and built.image != settings.pipeline_image:
            say(consoles, f"the Promise runs {settings.pipeline_image} (promise.image in invoke.yaml)")


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
    from ops.render.console import make_consoles
    from ops.stacks.pipeline_image import trigger as trigger_workflow
    from ops.tasks.wiring import make_runner, show

    with reported_errors():
        consoles = make_consoles()
        watched = trigger_workflow(make_runner(consoles, dry_run), ref=ref, timeout=timeout)
        if watched.run_id is not None:
            show(consoles, f"{watched.workflow} run {watched.run_id} succeeded: {watched.url}")


ns = Collection("pipeline", run, build, trigger)
