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
import re
from typing import Any

from invoke.config import AmbiguousMergeError, Config
from invoke.exceptions import AmbiguousEnvVar, Exit, ParseError, UncastableEnvVar
from invoke.program import Program

from ops.errors import ExitCode, OpsError

_KINDS = {int: "a whole number", float: "a number"}


def flag_error(program: Any, err: Exception) -> Exit:
    """The one-line Exit for a parse failure of `program`'s task flags."""
    if isinstance(err, ParseError):
        return Exit(f"error: {_reworded(err)}", code=int(ExitCode.BAD_INPUT))
    bad = _uncastable(program)
    if bad is not None:
        task, flag, value, kind = bad
        where = f" (invoke {task})" if task else ""
        message = f"error: --{flag}: {value!r} is not allowed; {_KINDS.get(kind, kind.__name__)}{where}"
        return Exit(message, code=int(ExitCode.BAD_INPUT))
    return Exit(f"error: {err}", code=int(ExitCode.BAD_INPUT))


def _reworded(err: ParseError) -> str:
    text = str(err)
    task = getattr(getattr(err, "context", None), "name", None)
    if m := re.fullmatch(r"No idea what '(.*)' is!", text):
        if task:
            return f"{m[1]}: unknown flag for invoke {task}; see invoke --help {task}"
        if m[1].startswith("-"):
            return f"{m[1]}: unknown flag; see invoke --help"
        return f"{m[1]}: unknown task; see invoke --list"
    if m := re.fullmatch(r"Flag '?(.*?)'? needed value and was not given one!", text):
        return f"{_flag_names(m[1])}: needs a value"
    return text


def _flag_names(argument_repr: str) -> str:
    """`<Argument: timeout (t) [int]>` -> `--timeout`."""
    m = re.match(r"<\w+: ([\w-]+)", argument_repr)
    return f"--{m[1].replace('_', '-')}" if m else argument_repr


def _uncastable(program: Any) -> tuple[str | None, str, str, type] | None:
    """(task, flag, value, kind) of the first int or float flag in the command line whose value does
    not cast (the parser works on copies of its contexts: read the tokens again)."""
    parser = getattr(program, "parser", None)
    core = getattr(program, "core", None)
    if parser is None or core is None:
        return None
    tokens = list(core.unparsed)
    task: str | None = None
    for index, token in enumerate(tokens):
        if token in parser.contexts:
            task = token
            continue
        if task is None or not token.startswith("-"):
            continue
        flag, _, inline = token.partition("=")
        argument = parser.contexts[task].flags.get(flag)
        if argument is None or argument.kind not in _KINDS:
            continue
        value = inline if inline else (tokens[index + 1] if index + 1 < len(tokens) else "")
        try:
            argument.kind(value)
        except ValueError:
            return parser.contexts[task].name, flag.lstrip("-"), value, argument.kind
    return None


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


def _unmergeable(config: Config) -> str:
    """Which file made a section something other than a mapping (invoke's error names neither)."""
    sources = [(getattr(config, f"_{level}_path", None), getattr(config, f"_{level}", None)) for level in LEVELS]
    sections = {key for _, data in sources if isinstance(data, dict) for key, v in data.items() if isinstance(v, dict)}
    sections |= {key for key, value in config._defaults.items() if isinstance(value, dict)}
    for path, data in sources:
        for key, value in (data or {}).items() if isinstance(data, dict) else ():
            if key in sections and not isinstance(value, dict):
                return f"{path or 'config'}: {key}: {value!r} is not allowed; a mapping of {key}.* settings"
    return "config: a section is a mapping in one file and not in another"


LEVELS = ("system", "user", "project", "runtime")


def _bad_variable(err: Exception) -> str:
    """An INVOKE_* variable invoke could not turn into the type invoke.yaml gives its key."""
    import os

    names = ", ".join(sorted(k for k in os.environ if k.startswith("INVOKE_"))) or "INVOKE_*"
    return f"{names}: not allowed ({err}); each must fit the type of its key in invoke.yaml (a number for a number)"


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
            raise flag_error(self, err) from None

    @functools.wraps(merge)
    def merged(self: Config) -> None:
        try:
            merge(self)
        except AmbiguousMergeError:
            raise Exit(f"error: {_unmergeable(self)}", code=int(ExitCode.BAD_INPUT)) from None

    load_env = Config.load_shell_env

    @functools.wraps(load_env)
    def load_shell_env(self: Config) -> None:
        try:
            load_env(self)
        except (UncastableEnvVar, AmbiguousEnvVar, ValueError, TypeError) as err:
            raise Exit(f"error: {_bad_variable(err)}", code=int(ExitCode.BAD_INPUT)) from None

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
