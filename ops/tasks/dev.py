"""Developer tasks: the quality gates and the tests, exactly what CI runs."""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

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
    if only is not None and only not in names:
        raise Exit(f"error: --only: {only!r} is not allowed; one of {', '.join(names)}", code=2)
    failed = []
    for name, command in GATES:
        if only is not None and name != only:
            continue
        print(f"==> {name}: {command}", flush=True)
        if not c.run(command, warn=True, pty=False).ok:
            failed.append(name)
    if failed:
        raise Exit(f"failed: {', '.join(failed)}", code=1)
    print("all gates passed")
