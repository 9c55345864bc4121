"""What the `status` and `doctor` tasks do (declared in ops/tasks/incident.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.exceptions import Exit

from ops.render.safe_text import clean
from ops.tasks.exits import reported_errors, settings_of
from ops.tasks.incident import OUTPUTS

if TYPE_CHECKING:
    from collections.abc import Callable

    from ops.incident.doctor.run import Diagnosis
    from ops.incident.fleet import FleetCluster
    from ops.incident.status import PlatformStatus
    from ops.kube import Kube
    from ops.render.console import Consoles


def _connect(context: str | None) -> Kube:
    """A client whose retries are short: in an incident a dead cluster should be said in about a second."""
    from ops.kube import KubeTarget, RetryPolicy, connect

    retry = RetryPolicy(attempts=3, max_seconds=5.0, first_wait=0.2, max_wait=1.0)
    return connect(KubeTarget(context=context), retry=retry)


def _clients(contexts: list[str] | None) -> list[Kube]:
    """One client per context (the current one when none is given), each named once."""
    names: list[str | None] = list(dict.fromkeys(contexts or [])) or [None]
    return [_connect(name) for name in names]


def status(c: Context, context: list[str] | None, output: str, watch: bool, interval: float, fleet: bool) -> None:
    from ops.errors import one_of
    from ops.incident.snapshot import take_snapshots
    from ops.incident.status import platform_status, status_reads
    from ops.render.console import make_consoles
    from ops.render.status import render_status
    from ops.wait import check_timeout

    with reported_errors():
        settings = settings_of(c)
        one_of("--output", output, OUTPUTS)
        check_timeout(interval, "--interval")
        consoles = make_consoles()
        reads = status_reads(settings, fleet=fleet)
        if fleet:
            from ops.incident.fleet import follow_stacks, with_fleet
            from ops.tasks.fleet_view import fleet_clients, fleet_reads

            kubes, clusters = fleet_clients(context, settings, _connect)

            def read() -> PlatformStatus:
                done = fleet_reads(kubes, clusters, reads)
                return with_fleet(platform_status(done), follow_stacks(done, clusters), clusters)
        else:
            kubes = _clients(context)

            def read() -> PlatformStatus:
                return platform_status(take_snapshots(kubes, reads))

        if watch:
            code = _watch(read, output, consoles, interval)
        else:
            result = read()
            render_status(result, output, consoles)
            for cluster in result.clusters:
                if cluster.error:
                    consoles.err.print(
                        clean(f"error: context {cluster.context}: {cluster.error}"), markup=False, soft_wrap=True
                    )
                for unread in cluster.unread:
                    consoles.err.print(
                        clean(f"error: context {cluster.context}: incomplete: {unread}"), markup=False, soft_wrap=True
                    )
            code = result.exit_code
        for kube in kubes:
            kube.close()
    if code:
        raise Exit("", code=code)


def _watch(read: Callable[[], PlatformStatus], output: str, consoles: Consoles, interval: float) -> int:
    """Re-read and redraw every `interval` seconds until Ctrl-C; the exit code of the last read."""
    import time
    from datetime import datetime

    from rich.console import Group
    from rich.live import Live
    from rich.text import Text

    from ops.render.status import render_status, status_tables

    code = 0
    try:
        if consoles.out.is_terminal and output == "table":
            with Live(console=consoles.out, auto_refresh=False) as live:
                while True:
                    result = read()
                    code = result.exit_code
                    stamp = Text(f"every {interval:g}s, {datetime.now():%H:%M:%S} (Ctrl-C stops)", style="dim")
                    live.update(Group(stamp, *status_tables(result)), refresh=True)
                    time.sleep(interval)
        else:
            while True:  # plain output for pipes and CI: one full status per refresh
                result = read()
                code = result.exit_code
                if output == "table":
                    consoles.out.print(Text(f"--- {datetime.now():%Y-%m-%d %H:%M:%S}", style="dim"))
                render_status(result, output, consoles)
                consoles.out.file.flush()
                time.sleep(interval)
    except KeyboardInterrupt:
        return code


def doctor(
    c: Context,
    context: list[str] | None,
    check: list[str] | None,
    namespace: str | None,
    output: str,
    fail_on: str,
    fix: bool,
    dry_run: bool,
    fleet: bool,
) -> None:
    from ops.errors import ExitCode, OpsError

    try:
        code = _doctor(c, context, check, namespace, output, fail_on, fix, dry_run, fleet)
    except OpsError as err:  # doctor's contract: a cluster it cannot read, or a bad flag, is 2
        raise Exit(f"error: {clean(err.message)}", code=int(ExitCode.BAD_INPUT)) from err
    if code:
        raise Exit("", code=code)


def _say_what_was_not_read(diagnosis: Diagnosis, consoles: Consoles) -> None:
    """On stderr: the contexts that could not be read, the kinds missing from a picture, the checks not run."""
    from ops.render.doctor import not_run_lines

    lines = [f"error: context {u.context}: {u.error}" for u in diagnosis.unreadable]
    lines += [f"error: context {u.context}: incomplete: {u.error}" for u in diagnosis.incomplete]
    if not diagnosis.unreadable:
        lines += [f"error: {line}" for line in not_run_lines(diagnosis)]
    for line in lines:
        consoles.err.print(clean(line), markup=False, soft_wrap=True)


def _doctor(
    c: Context,
    context: list[str] | None,
    check: list[str] | None,
    namespace: str | None,
    output: str,
    fail_on: str,
    fix: bool,
    dry_run: bool,
    fleet: bool = False,
) -> int:
    from ops.aws import AwsTarget
    from ops.errors import BadInput, one_of
    from ops.incident.doctor.aws_keys import ApiKeysReader
    from ops.incident.doctor.registry import select_checks
    from ops.incident.doctor.run import FAIL_ON, RemedyResult, apply_remedies, diagnose, reads_for
    from ops.incident.snapshot import take_snapshots
    from ops.kube.threads import DaemonPool
    from ops.render.console import make_consoles
    from ops.render.doctor import announce_text, render_doctor

    settings = settings_of(c)
    one_of("--output", output, OUTPUTS)
    one_of("--fail-on", fail_on, FAIL_ON)
    if dry_run and not fix:
        raise BadInput("--dry-run", True, "only together with --fix (nothing else changes anything)")
    checks = select_checks(check or ())
    consoles = make_consoles()
    clusters: list[FleetCluster] = []
    if fleet:
        from ops.tasks.fleet_view import fleet_clients

        kubes, clusters = fleet_clients(context, settings, _connect)
    else:
        kubes = _clients(context)
    aws = ApiKeysReader(AwsTarget(settings.region, settings.aws_profile)) if any(x.uses_aws for x in checks) else None
    try:
        with DaemonPool(1, "aws") as pool:  # boto3 loads while the clusters are read
            warming = pool.submit(aws.warm) if aws is not None else None
            if fleet:
                from ops.tasks.fleet_view import fleet_reads

                reads = fleet_reads(kubes, clusters, reads_for(checks, settings))
            else:
                reads = take_snapshots(kubes, reads_for(checks, settings))
            if warming is not None:
                warming.result()
        diagnosis = diagnose(reads, checks, aws, namespace)
        if fleet:
            from ops.incident.fleet import fleet_diagnosis

            diagnosis = fleet_diagnosis(diagnosis, reads, clusters)
        fixes: tuple[RemedyResult, ...] = ()
        if fix:
            fixes = apply_remedies(
                {k.context: k for k in kubes},
                diagnosis.findings,
                dry_run=dry_run,
                announce=lambda ctx, remedy: consoles.err.print(
                    announce_text(ctx, remedy, dry_run), markup=False, soft_wrap=True
                ),
            )
        render_doctor(diagnosis, output, consoles, fixes)
        _say_what_was_not_read(diagnosis, consoles)
        return diagnosis.exit_code(fail_on)
    finally:
        for kube in kubes:
            kube.close()
