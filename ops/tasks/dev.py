"""Developer tasks: the quality gates and the tests, exactly what CI runs."""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from ops.errors import one_of
from ops.tasks.exits import reported_errors

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
    names = [name for name, _ in GATES]
    if only is not None:
        with reported_errors():
            one_of("--only", only, names)
    import os
    import sys
    from pathlib import Path

    # The gates are installed beside this interpreter: find them there even when the venv is not activated.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    failed = []
    for name, command in GATES:
        if only is not None and name != only:
            continue
        print(f"==> {name}: {command}", flush=True)
        if not c.run(command, warn=True, pty=False, env={"PATH": path}).ok:
            failed.append(name)
    if failed:
        raise Exit(f"failed: {', '.join(failed)}", code=1)
    print("all gates passed")


@task(help={"check_only": "do not write; exit 1 if the README is out of date"})
def readme(c: Context, check_only: bool = False) -> None:
    """Regenerate the README's generated sections (the tier table, from the tier values files).

    Example: invoke readme
    """
    from pathlib import Path

    from datadog_configure.settings import VALUES_DIR
    from ops.render.docs import tier_table, with_tier_table

    path = Path(__file__).resolve().parents[2] / "README.md"
    current = path.read_text()
    wanted = with_tier_table(current, tier_table(VALUES_DIR))
    if wanted == current:
        print("README.md is up to date")
        return
    if check_only:
        raise Exit("README.md is out of date: run `invoke readme`", code=1)
    path.write_text(wanted)
    print("README.md: tier table regenerated")


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
    import urllib.request
    from pathlib import Path

    with reported_errors():
        one_of("--project", project, list(VENDORED_CRDS))
    repo, folder, files = VENDORED_CRDS[project]
    folder_of = {"flux-helm": "flux", "flux-source": "flux"}
    target = Path(__file__).resolve().parents[2] / "vendor" / "crds" / folder_of.get(project, project)
    urls = [f"https://raw.githubusercontent.com/{repo}/{ref}/{folder}/{name}" for name in files]
    if dry_run:
        print("\n".join(f"would fetch: {url} -> {target / name}" for url, name in zip(urls, files, strict=True)))
        return
    fetched: dict[str, bytes] = {}
    for url, name in zip(urls, files, strict=True):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # https URLs built above
                fetched[name] = response.read()
        except OSError as err:
            raise Exit(f"error: {url}: {err}; nothing was changed", code=12) from None
    for name, body in fetched.items():
        (target / name).write_bytes(body)
    print(f"vendor/crds: {len(fetched)} files of {repo} at {ref}; update the table in vendor/crds/README.md")
