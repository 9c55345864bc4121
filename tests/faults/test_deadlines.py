"""Every wait has a wall-clock deadline: a stalled or trickling server, a credential plugin that
hangs, `--timeout` over the whole task, and Ctrl-C within a second (exit 20, no traceback)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.faults.proxy import FaultProxy
from tests.faults.test_tasks import platform
from tests.kube.emulator import EmulatorThread, kubeconfig_text
from tests.tasks.inprocess import TaskRunner

__all__ = ["platform"]  # a fixture
FAST = {"INVOKE_WAITS_REQUEST": "1"}  # one request may take 1 s, start to end


@pytest.mark.parametrize(("fault", "options"), [("stall", {}), ("trickle", {"every": 0.3})])
@pytest.mark.parametrize("task", [("status",), ("datadog.status",), ("doctor", "--check", "oom-killed")])
def test_a_slow_server_cannot_hold_a_task(
    platform: None,
    proxy: FaultProxy,
    *,
    faulty: TaskRunner,
    fault: str,
    options: dict[str, float],
    task: tuple[str, ...],
) -> None:
    proxy.add(fault, method="GET", **options)

    started = time.monotonic()
    run = faulty(*task, env=FAST)

    assert time.monotonic() - started < 12  # 4 attempts of 1 s and the back-off between them
    assert run.code == (2 if task[0] == "doctor" else 12), run.stderr
    assert re.search(r"no (complete )?answer within 1(\.0)? s", run.stderr)  # the read or the whole-request limit
    assert "Traceback" not in run.stderr


def test_timeout_bounds_the_whole_task_not_only_its_wait(platform: None, proxy: FaultProxy, faulty: TaskRunner) -> None:
    proxy.add("stall", method="GET")

    started = time.monotonic()
    run = faulty("datadog.minimal", "--name", "sandbox", "--namespace", "team-a", "--timeout", "2")

    assert time.monotonic() - started < 2 + 1 + 1.5  # the deadline, the requests' grace, slack
    assert run.code == 18
    assert run.stderr.startswith("error: gave up after --timeout 2 s: ")


def test_a_wait_after_slow_reads_gets_only_what_is_left(
    platform: None, kube: EmulatorThread, proxy: FaultProxy, faulty: TaskRunner
) -> None:
    proxy.add("trickle", path="/apis/platform.srekubecraft.io", method="GET", every=0.05, times=2)

    started = time.monotonic()
    run = faulty("datadog.minimal", "--name", "sandbox", "--namespace", "team-a", "--timeout", "3")

    assert time.monotonic() - started < 5
    assert run.code == 18, run.stderr


def test_ctrl_c_ends_a_task_within_a_second_with_exit_20(kube: EmulatorThread, tmp_path: Path) -> None:
    with FaultProxy(kube.url) as proxy:
        proxy.add("stall")
        config = tmp_path / "kubeconfig.yaml"
        config.write_text(kubeconfig_text({"faulty": proxy.url}, current="faulty"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}
        child = subprocess.Popen(
            [sys.executable, "-m", "invoke", "status"],
            cwd=ROOT,
            env={**env, "KUBECONFIG": str(config)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while len(proxy.log) < 3 and time.monotonic() < deadline:  # reads in flight, each stalled
            time.sleep(0.05)
        assert len(proxy.log) >= 3
        interrupted = time.monotonic()
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=10)

    assert time.monotonic() - interrupted < 1.5
    assert child.returncode == 20
    assert err == "error: interrupted (Ctrl-C)\n"


def exec_kubeconfig(tmp_path: Path, url: str, command: str, args: list[str]) -> Path:
    import yaml

    doc = yaml.safe_load(kubeconfig_text({"plugin": url}, current="plugin"))
    doc["users"][0]["user"] = {
        "exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": command, "args": args}
    }
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    ("command", "args", "says"),
    [
        (
            "no-such-credential-plugin",
            [],
            "the credential command 'no-such-credential-plugin' of context plugin is not installed",
        ),
        (sys.executable, ["-c", "import time; time.sleep(60)"], "did not answer within 1 s"),
        (sys.executable, ["-c", "import sys; sys.exit('SSO session expired')"], "failed: exec: process returned 1."),
    ],
)
def test_a_credential_plugin_that_is_missing_hangs_or_fails_is_exit_10(
    kube: EmulatorThread, tmp_path: Path, *, run_task: TaskRunner, command: str, args: list[str], says: str
) -> None:
    config = exec_kubeconfig(tmp_path, kube.url, command, args)

    started = time.monotonic()
    run = run_task("datadog.status", env={"KUBECONFIG": str(config), **FAST})

    assert time.monotonic() - started < 5
    assert run.code == 10, run.stderr
    assert says in run.stderr
    assert run.stderr.count("\n") == 1 and "ERROR:root" not in run.stderr
    assert kube.requests == []  # never sent without credentials
