"""The error hierarchy and the exit codes: one line, safe to print, chained to the original.

Exit codes are part of the interface (README "Exit codes"); never renumber one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the operation ran and failed (a pipeline rejected a request, a wait timed out...)
    BAD_INPUT = 2  # a flag, a request field or a file was wrong; nothing was changed
    NO_KUBECONFIG = 10
    UNKNOWN_CONTEXT = 11
    API_UNREACHABLE = 12
    UNAUTHORIZED = 13
    CRD_MISSING = 14
    AWS_CREDENTIALS = 15
    AWS_ACCESS_DENIED = 16
    NOT_FOUND = 17
    TIMEOUT = 18
    PROGRAM_MISSING = 19
    ABORTED = 20  # the user declined a confirmation


class OpsError(Exception):
    """Base of every error the tasks turn into a one-line message and an exit code."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(OpsError):
    """A value the user gave is not allowed: names the field, the value and what is allowed."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, field: str, value: object, allowed: str) -> None:
        super().__init__(f"{field}: {value!r} is not allowed; {allowed}")
        self.field = field
        self.value = value
        self.allowed = allowed


def one_of(field: str, value: str, allowed: Iterable[str]) -> str:
    """`value` when it is one of `allowed`; else BadInput naming the field, the value and the choices."""
    choices = tuple(allowed)
    if value not in choices:
        raise BadInput(field, value, f"one of {', '.join(choices)}")
    return value


@contextmanager
def translated(translate: Callable[[Exception], OpsError | None]) -> Iterator[None]:
    """Re-raise what the block raises as the OpsError `translate` names (chained); anything else as is."""
    try:
        yield
    except OpsError:
        raise
    except Exception as err:
        mapped = translate(err)
        if mapped is None:
            raise
        raise mapped from err
