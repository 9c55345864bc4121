"""`invoke doctor` never says "no problems" about what it could not read: it names the checks that
could not run and exits 2, whether a whole context or one kind was unreadable."""

from __future__ import annotations

import json

import pytest

from ops.incident.doctor.registry import all_checks
from tests.faults.proxy import FaultProxy
from tests.faults.test_tasks import platform
from tests.tasks.inprocess import TaskRunner

__all__ = ["platform"]  # a fixture

HELMRELEASES = "/apis/helm.toolkit.fluxcd.io/v2/helmreleases"
HELM_CHECKS = {c.id for c in all_checks() if "helmreleases" in c.needs}  # every check blind without them


@pytest.mark.parametrize("fault", ["garble", "html", "reset"])
def test_a_cluster_it_cannot_read_is_never_reported_healthy(
    platform: None, proxy: FaultProxy, faulty: TaskRunner, fault: str
) -> None:
    proxy.add(fault)

    table = faulty("doctor", "--check", "oom-killed", "--check", "pipeline-failed")
    data = faulty("doctor", "--check", "oom-killed", "--check", "pipeline-failed", "--output", "json")

    assert table.code == data.code == 2
    assert "no problems" not in table.stdout
    assert "could not run on faulty (the cluster unread): 2 checks: pipeline-failed, oom-killed" in table.stdout
    assert (
        table.stdout.splitlines()[-1]
        == "nothing found by the 0 checks that ran on faulty; 2 could not run: not a clean bill"
    )
    assert table.stderr.startswith("error: context faulty: ")
    document = json.loads(data.stdout)
    assert [n["check"] for n in document["notRun"]] == ["pipeline-failed", "oom-killed"]
    assert document["unreadable"][0]["context"] == "faulty"


def test_one_unreadable_kind_names_the_checks_that_could_not_run_and_exits_2(
    platform: None, proxy: FaultProxy, faulty: TaskRunner
) -> None:
    proxy.add("garble", path=HELMRELEASES)

    table = faulty("doctor", "--check", "helmrelease-not-ready", "--check", "oom-killed")
    data = json.loads(faulty("doctor", "--output", "json").stdout)

    assert table.code == 2
    assert "no problems" not in table.stdout
    assert "could not run on faulty (HelmRelease unread): 1 check: helmrelease-not-ready" in table.stdout
    incomplete, not_run = table.stderr.splitlines()
    assert incomplete.startswith("error: context faulty: incomplete: HelmRelease: list HelmRelease at ")
    assert not_run == "error: could not run on faulty (HelmRelease unread): 1 check: helmrelease-not-ready"
    assert {n["check"] for n in data["notRun"]} == HELM_CHECKS
    assert all(n["unread"] == ["HelmRelease"] for n in data["notRun"])
    assert data["unreadable"] == []


def test_a_readable_cluster_still_says_no_problems(platform: None, proxy: FaultProxy, faulty: TaskRunner) -> None:
    run = faulty("doctor", "--check", "oom-killed")

    assert (run.code, run.stdout) == (0, "no problems found: 1 checks on faulty\n")
