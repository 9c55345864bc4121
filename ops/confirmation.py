"""Asking before a destructive step: yes only from a person at a terminal, or from `--yes`.

    confirm = Confirmation(yes=False, interactive=sys.stdin.isatty(), ask=console.input)
    confirm.require("Destroy the cluster kratix-demo?")   # raises Aborted unless the answer is y/yes

`ops` functions take a Confirmation and never prompt themselves; the task builds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ops.errors import ExitCode, OpsError


class Aborted(OpsError):
    exit_code = ExitCode.ABORTED


@dataclass(frozen=True)
class Confirmation:
    yes: bool  # --yes: the user agreed in advance
    interactive: bool  # a person can answer (stdin is a terminal)
    ask: Callable[[str], str] = input

    def check_possible(self, what: str) -> None:
        """Fail before anything runs when nobody could confirm `what` later."""
        if not self.yes and not self.interactive:
            raise Aborted(f"{what} needs confirmation and stdin is not a terminal; re-run with --yes to go ahead")

    def require(self, question: str) -> None:
        """Return when agreed; raise Aborted otherwise (nothing has been changed by this step)."""
        if self.yes:
            return
        self.check_possible(question.rstrip("?"))
        answer = self.ask(f"{question} [y/N] ").strip().lower()
        if answer not in {"y", "yes"}:
            raise Aborted(f"not confirmed ({answer or 'no answer'}); nothing was changed")
