"""Text from the cluster reaches the terminal without escape sequences or control characters: a
condition message or an Event (anyone who can write an Event controls it) cannot retitle the window,
clear the screen or print a fake "all good". JSON output keeps the text, escaped."""

from __future__ import annotations

import json

import pytest

from ops.render.safe_text import clean
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    KEYS_SECRET,
    Stack,
    event,
    healthy_platform,
    install_failed,
    platform_crds,
    replace,
    stack_external_secret,
)
from tests.tasks.inprocess import TaskRunner

SANDBOX = Stack("sandbox", "team-b")
HOSTILE = "install failed\x1b]0;pwned\x07\x1b[2J\x1b[H\rno problems found\x9b31m\u202e"


@pytest.fixture
def hostile(kube: EmulatorThread) -> None:
    objects = replace(healthy_platform([SANDBOX]), install_failed(SANDBOX, HOSTILE))
    objects = replace(objects, stack_external_secret(SANDBOX, ready=False))
    objects.append(event("ExternalSecret", SANDBOX.target, KEYS_SECRET, "UpdateFailed", HOSTILE))
    kube.install_crd(*platform_crds())
    kube.seed(*objects)


def assert_safe(text: str) -> None:
    for control in ("\x1b", "\x07", "\r", "\x9b", "\u202e"):
        assert control not in text


@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("doctor", "--check", "helmrelease-not-ready", "--check", "externalsecret-failed"),
        ("datadog.status",),
    ],
)
def test_tables_show_cluster_text_without_control_characters(
    hostile: None, kube_tasks: TaskRunner, args: tuple[str, ...]
) -> None:
    run = kube_tasks(*args)

    assert run.code in (0, 1), run.stderr
    assert_safe(run.stdout + run.stderr)


def test_the_message_is_still_shown_readably(hostile: None, kube_tasks: TaskRunner) -> None:
    run = kube_tasks("doctor", "--check", "externalsecret-failed")

    assert "event UpdateFailed (" in run.stdout and "): install failed no problems found\n" in run.stdout


def test_json_keeps_the_text_escaped(hostile: None, kube_tasks: TaskRunner) -> None:
    run = kube_tasks("status", "--output", "json")

    assert_safe(run.stdout)
    (release,) = json.loads(run.stdout)["contexts"][0]["sections"]["helmReleases"]["items"]
    assert "install failed\x1b]0;pwned\x07\x1b[2J" in release["message"]  # the data, as the cluster has it


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ok\x1b]0;title\x07\x1b[2J", "ok"),
        ("a\nb\tc\rd", "a b c d"),
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),
        ("csi\x9b2Jc1", "csic1"),
        ("right\u202etxt.exe", "righttxt.exe"),
        ("émoji ✓ 中文", "émoji ✓ 中文"),
    ],
)
def test_clean(text: str, shown: str) -> None:
    assert clean(text) == shown
