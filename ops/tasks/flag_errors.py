"""The one-line messages of a bad flag, config section or INVOKE_* variable (ops/tasks/flags.py installs
the handlers; this module is imported only when one of them has something to say)."""

from __future__ import annotations

import re
from typing import Any

from invoke.config import Config
from invoke.exceptions import Exit, ParseError

from ops.errors import ExitCode

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


def unmergeable(config: Config) -> str:
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


def bad_variable(err: Exception) -> str:
    """An INVOKE_* variable invoke could not turn into the type invoke.yaml gives its key."""
    import os

    names = ", ".join(sorted(k for k in os.environ if k.startswith("INVOKE_"))) or "INVOKE_*"
    return f"{names}: not allowed ({err}); each must fit the type of its key in invoke.yaml (a number for a number)"
