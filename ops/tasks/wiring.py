"""The collaborators a task hands to `ops`: a program runner, a confirmation, a Kubernetes client, settings.

Heavy imports (rich, kubernetes) happen inside the functions: importing tasks.py stays fast.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.confirmation import Confirmation
    from ops.kube import Kube
    from ops.platform.infra import DeployedFacts
    from ops.programs import Runner
    from ops.render.console import Consoles


def make_runner(consoles: Consoles, dry_run: bool) -> Runner:
    """A Runner that says each command on stderr before it runs (stdout: "would run" in a dry run)
    and streams the program's output to stderr as it comes."""
    from rich.text import Text

    from ops.programs import Runner

    def announce(line: str, runs: bool) -> None:
        if runs:
            consoles.err.print(Text(f"$ {line}", style="bold"), soft_wrap=True)
        else:
            consoles.out.print(Text(f"would run: {line}"), soft_wrap=True)

    def stream(text: str) -> None:
        consoles.err.print(Text.from_ansi(text), soft_wrap=True)

    return Runner(dry_run=dry_run, on_command=announce, on_line=stream)


def make_confirmation(consoles: Consoles, yes: bool) -> Confirmation:
    import sys

    from rich.text import Text

    from ops.confirmation import Confirmation

    def ask(question: str) -> str:
        return consoles.err.input(Text(question))  # as text: "[y/N]" is no markup

    return Confirmation(yes=yes, interactive=sys.stdin.isatty(), ask=ask)


def told_deployed_facts(consoles: Consoles, settings: Settings, region: str | None, dry_run: bool) -> DeployedFacts:
    """What iac/ deployed (region, secret names), saying on stderr where the region came from and, when the
    outputs could not be read, why."""
    from ops.platform import infra

    facts = infra.deployed_facts(make_runner(consoles, dry_run), settings, region)
    if facts.note:
        say(consoles, facts.note)
    say(consoles, f"region {facts.region.value} (from {facts.region.source})")
    return facts


def connect_kube(kubeconfig: str | None, context: str | None) -> Kube:
    from pathlib import Path

    from ops.kube import KubeTarget, connect

    return connect(KubeTarget(Path(kubeconfig).expanduser() if kubeconfig else None, context))


def with_overrides(settings: Settings, **flags: str | None) -> Settings:
    """Settings with the flags that were given (None: keep invoke.yaml's value)."""
    given = {name: value for name, value in flags.items() if value}
    unknown = sorted(set(given) - {f.name for f in dataclasses.fields(settings) if f.type in ("str", "str | None")})
    if unknown:
        raise TypeError(f"not a text setting: {', '.join(unknown)}")  # a programming error, not user input
    return dataclasses.replace(settings, **given)  # type: ignore[arg-type]  # text fields only, checked above


def say(consoles: Consoles, text: str) -> None:
    """Chatter on stderr, as plain text (it may hold names that came from outside)."""
    consoles.err.print(text, markup=False, highlight=False, soft_wrap=True)


def show(consoles: Consoles, text: str) -> None:
    """A result line on stdout, as plain text."""
    consoles.out.print(text, markup=False, highlight=False, soft_wrap=True)
