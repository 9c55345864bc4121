"""`secrets.*`: the Datadog keys and the Kratix git credentials in AWS Secrets Manager.

Values come from environment variables or a hidden prompt and are never printed, logged or passed to a
program: boto3 sends them to AWS and nothing else sees them.
"""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

AWS_FLAGS = {
    "region": "AWS region (default: iac/ outputs, else cluster.region from invoke.yaml)",
    "profile": "AWS profile (default: aws.profile from invoke.yaml; none: the default chain)",
    "dry_run": "check the values and say whether the secret would be created, updated or left unchanged",
}


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
    from ops.tasks.impl import secrets as impl

    impl.create(c, env=env, region=region, profile=profile, dry_run=dry_run)


@task(name="create-dev", help=AWS_FLAGS)
def create_dev(c: Context, region: str | None = None, profile: str | None = None, dry_run: bool = False) -> None:
    """`secrets.create --env dev`: the keys DatadogStacks with environment dev read.

    Example: invoke secrets.create-dev
    """
    from ops.tasks.impl import secrets as impl

    impl.create_dev(c, region=region, profile=profile, dry_run=dry_run)


@task(name="create-prod", help=AWS_FLAGS)
def create_prod(c: Context, region: str | None = None, profile: str | None = None, dry_run: bool = False) -> None:
    """`secrets.create --env prod`: the keys DatadogStacks with environment prod read.

    Example: invoke secrets.create-prod
    """
    from ops.tasks.impl import secrets as impl

    impl.create_prod(c, region=region, profile=profile, dry_run=dry_run)


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
    from ops.tasks.impl import secrets as impl

    impl.git_credentials(c, region=region, profile=profile, dry_run=dry_run)


ns = Collection("secrets", create, create_dev, create_prod, git_credentials)
