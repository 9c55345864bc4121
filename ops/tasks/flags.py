"""Flag and config-file errors as the README promises: one line naming the flag or key, exit 2; Ctrl-C: exit 20.

invoke's parser prints a ParseError and exits 1, and lets the ValueError of an int or float flag
out as a traceback; its config loader reads YAML with duplicate keys last-wins and lets a file that
is not a mapping (or a section that is not one) out as a traceback. `install()` (called by tasks.py,
which invoke imports before it reads invoke.yaml and parses the task flags) wraps
`Program.parse_tasks` and `Config._load_yaml`/`merge` so that each becomes `Exit("error: ...", code=2)`,
which invoke prints and exits with.
"""

from __future__ import annotations

import errno
import functools
from typing import Any

from invoke.config import AmbiguousMergeError, Config
from invoke.exceptions import AmbiguousEnvVar, Exit, ParseError, UncastableEnvVar
from invoke.program import Program

from ops.errors import ExitCode, OpsError


def _strict_yaml(self: Config, path: Any) -> Any:
    """A config file as a mapping, read as strictly as a request file (ops/inputs.py)."""
    from pathlib import Path

    from ops.inputs import load_yaml_documents, read_text

    if not Path(path).exists():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(path))  # invoke skips absent files
    try:
        docs = load_yaml_documents(read_text(Path(path), str(path)), str(path), str(path))
    except OpsError as err:
        raise Exit(f"error: {err.message}", code=int(ExitCode.BAD_INPUT)) from None
    if not docs:
        return {}
    if len(docs) != 1 or not isinstance(docs[0], dict):
        shown = type(docs[0]).__name__ if len(docs) == 1 else f"{len(docs)} documents"
        raise Exit(f"error: {path}: a {shown} is not allowed; one mapping of sections", code=int(ExitCode.BAD_INPUT))
    return docs[0]


def install() -> None:
    """Make invoke's flag parsing and config loading fail with exit 2 and one line (idempotent)."""
    if getattr(Program.parse_tasks, "_one_line", False):
        return
    parse = Program.parse_tasks
    merge = Config.merge

    @functools.wraps(parse)
    def parse_tasks(self: Program) -> None:
        try:
            parse(self)
        except (ParseError, ValueError) as err:
            from ops.tasks.flag_errors import flag_error

            raise flag_error(self, err) from None

    @functools.wraps(merge)
    def merged(self: Config) -> None:
        try:
            merge(self)
        except AmbiguousMergeError:
            from ops.tasks.flag_errors import unmergeable

            raise Exit(f"error: {unmergeable(self)}", code=int(ExitCode.BAD_INPUT)) from None

    load_env = Config.load_shell_env

    @functools.wraps(load_env)
    def load_shell_env(self: Config) -> None:
        try:
            load_env(self)
        except (UncastableEnvVar, AmbiguousEnvVar, ValueError, TypeError) as err:
            from ops.tasks.flag_errors import bad_variable

            raise Exit(f"error: {bad_variable(err)}", code=int(ExitCode.BAD_INPUT)) from None

    Config.load_shell_env = load_shell_env  # type: ignore[method-assign]
    execute = Program.execute

    @functools.wraps(execute)
    def interruptible(self: Program) -> None:
        try:
            execute(self)
        except KeyboardInterrupt:  # invoke would exit 1; reads in flight run on daemon threads
            raise Exit("error: interrupted (Ctrl-C)", code=int(ExitCode.ABORTED)) from None

    Program.execute = interruptible  # type: ignore[method-assign]
    parse_tasks._one_line = True  # type: ignore[attr-defined]
    Program.parse_tasks = parse_tasks  # type: ignore[method-assign]
    Config.merge = merged  # type: ignore[method-assign]
    Config._load_yaml = _strict_yaml  # type: ignore[method-assign]
    Config._load_yml = _strict_yaml
