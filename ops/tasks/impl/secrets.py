"""What the `secrets.*` tasks do (declared in ops/tasks/secrets.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of

if TYPE_CHECKING:
    from ops.aws import AwsTarget
    from ops.config import Settings
    from ops.platform.infra import DeployedFacts
    from ops.render.console import Consoles


def _ask_hidden() -> Callable[[str], str] | None:
    """getpass when a person is at a terminal; None otherwise (values must come from the environment)."""
    import getpass
    import sys

    return getpass.getpass if sys.stdin.isatty() else None


def _aws_target(
    consoles: Consoles, settings: Settings, region: str | None, dry_run: bool
) -> tuple[AwsTarget, DeployedFacts]:
    """The AWS target (--region, else the iac/ outputs, else invoke.yaml), said on stderr; and those facts."""
    from ops.aws import AwsTarget
    from ops.platform import infra
    from ops.tasks.wiring import make_runner, say

    facts = infra.deployed_facts(make_runner(consoles, dry_run), settings, region)
    target = AwsTarget(facts.region.value, settings.aws_profile)
    say(consoles, f"region {target.region} (from {facts.region.source})")
    return target, facts


def _store_datadog_keys(c: Context, env: str, region: str | None, profile: str | None, dry_run: bool) -> None:
    import os

    from ops.aws import session
    from ops.platform import secrets
    from ops.render.console import make_consoles
    from ops.tasks.wiring import show, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), aws_profile=profile)
        name = secrets.datadog_secret_name(env)
        ask = _ask_hidden()
        keys = secrets.DatadogKeys(
            api_key=secrets.read_input(secrets.DD_API_KEY, os.environ, ask),
            app_key=secrets.read_input(secrets.DD_APP_KEY, os.environ, ask),
        )
        secrets.check_datadog_keys(keys)
        consoles = make_consoles()
        target, _ = _aws_target(consoles, settings, region, dry_run)
        write = secrets.put_json_secret(
            session(target),
            target,
            name,
            keys.document(),
            description=f"Datadog API and application keys for DatadogStacks with spec.environment {env} (kratix-ops)",
            dry_run=dry_run,
        )
        show(consoles, str(write))


def create(c: Context, env: str, region: str | None, profile: str | None, dry_run: bool) -> None:
    _store_datadog_keys(c, env, region, profile, dry_run)


def create_dev(c: Context, region: str | None, profile: str | None, dry_run: bool) -> None:
    _store_datadog_keys(c, "dev", region, profile, dry_run)


def create_prod(c: Context, region: str | None, profile: str | None, dry_run: bool) -> None:
    _store_datadog_keys(c, "prod", region, profile, dry_run)


def git_credentials(c: Context, region: str | None, profile: str | None, dry_run: bool) -> None:
    import os
    import sys

    from ops.aws import session
    from ops.platform import secrets
    from ops.render.console import make_consoles
    from ops.tasks.wiring import show, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), aws_profile=profile)
        ask = _ask_hidden()
        credentials = secrets.GitCredentials(
            username=secrets.read_input(secrets.GIT_USERNAME, os.environ, input if sys.stdin.isatty() else None),
            token=secrets.read_input(secrets.GIT_TOKEN, os.environ, ask),
        )
        secrets.check_git_credentials(credentials)
        consoles = make_consoles()
        target, facts = _aws_target(consoles, settings, region, dry_run)
        write = secrets.put_json_secret(
            session(target),
            target,
            facts.kratix_git_secret_name.value,
            credentials.document(),
            description="Kratix GitStateStore credentials (basicAuth) for the state-store repository (kratix-ops)",
            dry_run=dry_run,
        )
        show(consoles, str(write))
