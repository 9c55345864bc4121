"""Run `invoke` at a pseudo-terminal, as a person would: it can prompt, and its answers are typed in."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from tests.conftest import ROOT


def at_a_terminal(*args: str, answers: list[tuple[str, str]], env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and everything the terminal showed; each answer is typed once its prompt text appeared."""
    main, child = pty.openpty()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}
    command = [sys.executable, "-m", "invoke", *args]
    pending = list(answers)
    seen = b""
    searched = 0
    with subprocess.Popen(
        command, cwd=ROOT, env={**clean, **(env or {})}, stdin=child, stdout=child, stderr=child
    ) as proc:
        os.close(child)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(main, 4096)
                except OSError:  # the terminal closed: the program ended
                    break
                if not chunk:
                    break
                seen += chunk
            if pending and pending[0][0].encode() in seen[searched:]:
                os.write(main, pending.pop(0)[1].encode() + b"\n")
                searched = len(seen)  # the next prompt comes after this one
            if proc.poll() is not None and not ready:
                break
        os.close(main)
        code = proc.wait(timeout=10)
    return code, seen.decode(errors="replace")
