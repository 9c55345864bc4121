"""What the `pipeline.*` tasks do (declared in ops/tasks/pipeline.py)."""

from __future__ import annotations

from pathlib import Path

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of


def run(
    c: Context,
    tier: str | None,
    name: str,
    namespace: str,
    env: str | None,
    cluster: str | None,
    site: str | None,
    tag: list[str] | None,
    file: str | None,
    write: str | None,
    output: str,
    dry_run: bool,
) -> None:
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


def build(c: Context, push: bool, dry_run: bool) -> None:
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


def trigger(c: Context, ref: str | None, timeout: float, dry_run: bool) -> None:
    from ops.render.console import make_consoles
    from ops.stacks.pipeline_image import trigger as trigger_workflow
    from ops.tasks.wiring import make_runner, show

    with reported_errors():
        consoles = make_consoles()
        watched = trigger_workflow(make_runner(consoles, dry_run), ref=ref, timeout=timeout)
        if watched.run_id is not None:
            show(consoles, f"{watched.workflow} run {watched.run_id} succeeded: {watched.url}")
