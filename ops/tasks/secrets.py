"""`secrets.*`: the Datadog keys and the Kratix git credentials in AWS Secrets Manager.

Values come from environment variables or a hidden prompt and are never printed, logged or passed to a
program: boto3 sends them to AWS and nothing else sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of

if TYPE_CHECKING:
    from ops.aws import AwsTarget
    from ops.config import Settings
    from ops.platform.infra import DeployedFacts
    from ops.render.console import Consoles

AWS_FLAGS = {
    "region": "AWS region (default: iac/ outputs, else cluster.region from invoke.yaml)",
    "profile": "AWS profile (default: aws.profile from invoke.yaml; none: the default chain)",
    "dry_run": "check the values and say whether the secret would be created, updated or left unchanged",
}


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


@task(
    help={
        "env": "environment (spec.environment of the DatadogStacks): the secret is datadog/<env>/api-keys",
        **AWS_FLAGS,
    }
)
def create(c: Context, env: str, region: str | None = None, profile: str | None = None, dry_run: bool = False) -> None:
    """Create or update the Datadog keys of an environment in AWS Secrets Manager: datadog/<env>/api-keys.

    The keys come from DD_API_KEY and DD_APP_KEY, or from a hidden prompt; the API key must be 32 and the
    application key 40 hexadecimal characters. Stored as {"api-key": ..., "app-key": ...}. A second run
    with the same keys says "unchanged" and writes nothing.

    Examples:
      invoke secrets.create --env staging
      DD_API_KEY=... DD_APP_KEY=... invoke secrets.create --env prod --dry-run
    """
    _store_datadog_keys(c, env, region, profile, dry_run)


@task(name="create-dev", help=AWS_FLAGS)
def create_dev(c: Context, region: str | None = None, profile: str | None = None, dry_run: bool = False) -> None:
    """`secrets.create --env dev`: the keys DatadogStacks with environment dev read.

    Example: invoke secrets.create-dev
    """
    _store_datadog_keys(c, "dev", region, profile, dry_run)


@task(name="create-prod", help=AWS_FLAGS)
def create_prod(c: Context, region: str | None = None, profile: str | None = None, dry_run: bool = False) -> None:
    """`secrets.create --env prod`: the keys DatadogStacks with environment prod read.

    Example: invoke secrets.create-prod
    """
    _store_datadog_keys(c, "prod", region, profile, dry_run)


@task(name="git-credentials", help=AWS_FLAGS)
def git_credentials(c: Context, region: str | None = None, profile: str | None = None, dry_run: bool = False) -> None:
    """Create or update the Kratix state-store git credentials that the git-credentials ExternalSecret reads.

    User name from GIT_USERNAME and token from GIT_TOKEN, or from prompts (the token hidden). The secret
    name is the iac/ output kratix_git_secret_name (default kratix/git-credentials); stored as
    {"username": ..., "password": ...}.

    Examples:
      invoke secrets.git-credentials
      GIT_USERNAME=bot GIT_TOKEN=... invoke secrets.git-credentials --dry-run
    """
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


ns = Collection("secrets", create, create_dev, create_prod, git_credentials)
