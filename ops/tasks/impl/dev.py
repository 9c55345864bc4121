"""What the `check`, `readme` and `vendor-crds` tasks do (declared in ops/tasks/dev.py)."""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit

from ops.errors import one_of
from ops.tasks.dev import GATES, VENDORED_CRDS
from ops.tasks.exits import reported_errors


def check(c: Context, only: str | None) -> None:
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


def readme(c: Context, check_only: bool) -> None:
    from datadog_configure.settings import VALUES_DIR
    from ops.render.docs import tier_table, with_tier_table
    from ops.repository import ROOT

    path = ROOT / "README.md"
    current = path.read_text()
    wanted = with_tier_table(current, tier_table(VALUES_DIR))
    if wanted == current:
        print("README.md is up to date")
        return
    if check_only:
        raise Exit("README.md is out of date: run `invoke readme`", code=1)
    path.write_text(wanted)
    print("README.md: tier table regenerated")


def vendor_crds(c: Context, project: str, ref: str, dry_run: bool) -> None:
    import urllib.request

    from ops.repository import ROOT

    with reported_errors():
        one_of("--project", project, list(VENDORED_CRDS))
    repo, folder, files = VENDORED_CRDS[project]
    folder_of = {"flux-helm": "flux", "flux-source": "flux"}
    target = ROOT / "vendor" / "crds" / folder_of.get(project, project)
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
