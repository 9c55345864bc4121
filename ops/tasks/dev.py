"""Developer tasks: the quality gates and the tests, exactly what CI runs."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

GATES: tuple[tuple[str, str], ...] = (
    ("ruff lint", "ruff check ."),
    ("ruff format", "ruff format --check ."),
    ("mypy", "mypy"),
    ("import layers", "lint-imports --no-logo"),
    ("iac policy", "bash .ci/iac-policy"),  # checkov on iac/, from its own venv (see .checkov.yaml)
    ("tests", "pytest -rs"),  # -rs: the reason of every skip, in the summary
)


@task(help={"only": "run just this gate: ruff lint, ruff format, mypy, import layers, iac policy or tests"})
def check(c: Context, only: str | None = None) -> None:
    """Run every quality gate and the test suite (what `.ci/run` runs); exit 1 if any fails.

    Example: invoke check
    """
    from ops.tasks.impl import dev as impl

    impl.check(c, only=only)


@task(help={"check_only": "do not write; exit 1 if the README is out of date"})
def readme(c: Context, check_only: bool = False) -> None:
    """Regenerate the README's generated sections (the tier table, from the tier values files).

    Example: invoke readme
    """
    from ops.tasks.impl import dev as impl

    impl.readme(c, check_only=check_only)


VENDORED_CRDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # project -> (GitHub repository, folder in it, files), as vendor/crds/README.md lists them
    "kratix": (
        "syntasso/kratix",
        "config/crd/bases",
        tuple(
            f"platform.kratix.io_{kind}.yaml"
            for kind in (
                "bucketstatestores", "destinations", "dryruns", "gitstatestores", "healthrecords",
                "promisereleases", "promiserevisions", "promises", "resourcebindings", "workplacements", "works",
            )
        ),
    ),
    "external-secrets": (
        "external-secrets/external-secrets",
        "config/crds/bases",
        tuple(f"external-secrets.io_{k}.yaml" for k in ("clustersecretstores", "externalsecrets", "secretstores")),
    ),
    "flux-helm": ("fluxcd/helm-controller", "config/crd/bases", ("helm.toolkit.fluxcd.io_helmreleases.yaml",)),
    "flux-source": (
        "fluxcd/source-controller",
        "config/crd/bases",
        tuple(f"source.toolkit.fluxcd.io_{k}.yaml" for k in ("helmcharts", "helmrepositories", "ocirepositories")),
    ),
    "argocd": (
        "argoproj/argo-cd",
        "manifests/crds",
        tuple(f"{kind}-crd.yaml" for kind in ("application", "applicationset", "appproject")),
    ),
}  # fmt: skip


@task(
    help={
        "project": "kratix, external-secrets, flux-helm, flux-source or argocd",
        "ref": "the release tag or commit to take the CRDs from (e.g. v0.140.0)",
        "dry_run": "list the URLs, download nothing",
    }
)
def vendor_crds(c: Context, project: str, ref: str, dry_run: bool = False) -> None:
    """Refresh a project's vendored CRDs (vendor/crds/) from a release, where GitHub is reachable.

    Every file is downloaded first; the folder changes only when all of them arrived.
    Example: invoke vendor-crds --project kratix --ref v0.140.0
    """
    from ops.tasks.impl import dev as impl

    impl.vendor_crds(c, project=project, ref=ref, dry_run=dry_run)
