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
    ("import layers", "lint-imports"),
    ("tests", "pytest"),
)


@task(help={"only": "run just this gate: ruff lint, ruff format, mypy, import layers or tests"})
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
