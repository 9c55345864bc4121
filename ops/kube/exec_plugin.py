"""Exec credential plugins (kubeconfig `users[].user.exec`), run so that they cannot hang or hide a failure.

The kubernetes client runs the plugin while it loads the kubeconfig, with no time limit, and when the
plugin is missing or fails it logs `ERROR:root:...` and goes on without credentials (the API server
then answers 401, reported as "unauthorized"). `load_with_plugin` checks the command is installed,
runs the load under a deadline, and turns a failure the client only logged into BadKubeconfig (exit 10)
naming the command.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ops.kube.eks_token import eks_exec
from ops.kube.errors import BadKubeconfig, one_line
from ops.kube.threads import AnswerTooSlow, run_within

PLUGIN_SECONDS = 30.0  # `aws eks get-token` takes about a second; an SSO prompt nobody answers, forever


def plugin_command(path: str, context: str) -> str | None:
    """The exec command of the context's user, or None when it has none (or the file says nothing)."""
    import yaml

    docs: list[dict[str, Any]] = []
    for name in (p for p in path.split(os.pathsep) if p):
        try:
            doc = yaml.safe_load(Path(name).expanduser().read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):
            continue
        if isinstance(doc, dict):
            docs.append(doc)

    def named(section: str, wanted: Any) -> dict[str, Any]:
        for doc in docs:
            for entry in doc.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") == wanted:
                    return entry
        return {}

    user = (named("contexts", context).get("context") or {}).get("user")
    exec_ = (named("users", user).get("user") or {}).get("exec") if user else None
    if not isinstance(exec_, dict) or eks_exec(exec_) is not None:
        return None  # no plugin, or `aws eks get-token`, whose token is made in-process (eks_token.py)
    command = exec_.get("command")
    return str(command) if command else None


@contextmanager
def _root_errors() -> Iterator[list[str]]:
    """Collect (and keep off stderr) what is logged at ERROR on the root logger meanwhile."""
    seen: list[str] = []

    class Capture(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            if record.levelno >= logging.ERROR:
                seen.append(record.getMessage())
                return False
            return True

    capture = Capture()
    root = logging.getLogger()
    root.addFilter(capture)
    try:
        yield seen
    finally:
        root.removeFilter(capture)


def load_with_plugin(load: Callable[[], None], path: str, context: str, seconds: float = PLUGIN_SECONDS) -> None:
    """load() (which may run the context's exec plugin), bounded; BadKubeconfig when the plugin fails."""
    command = plugin_command(path, context)
    if command is not None and shutil.which(command) is None:
        raise BadKubeconfig(path, f"the credential command {command!r} of context {context} is not installed")
    with _root_errors() as errors:
        try:
            run_within(seconds, load, name="kubeconfig")
        except AnswerTooSlow:
            raise BadKubeconfig(
                path, f"the credential command {command!r} of context {context} did not answer within {seconds:g} s"
            ) from None
    if errors and command is not None:
        raise BadKubeconfig(
            path, f"the credential command {command!r} of context {context} failed: {one_line(errors[-1])}"
        )
