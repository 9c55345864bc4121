"""Fixtures of the `realapi` tier: the binaries (built once, cached outside the work tree), a real
kube-apiserver per test module with the platform's CRDs, and an in-process task runner pointed at it.

The tier skips, saying why once, where build.sh cannot build (not Debian bookworm, not root);
with KRATIX_OPS_REALAPI=required (what .ci/run sets) it fails instead.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.realapi.crds import install_platform_crds
from tests.realapi.seed import Seeder
from tests.realapi.server import Binaries, Http, RealApiServer, Unavailable, built_binaries
from tests.tasks.inprocess import TaskRunner

REQUIRED = os.environ.get("KRATIX_OPS_REALAPI") == "required"


@dataclass
class _TierState:
    binaries: Binaries | None = None
    skipped: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


_STATE = _TierState()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.realapi)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _STATE.skipped:
        terminalreporter.write_line(f"realapi tier skipped: {_STATE.skipped}", yellow=True)
    elif _STATE.timings:
        figures = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _STATE.timings.items())
        terminalreporter.write_line(f"realapi tier: {figures}")


@pytest.fixture(scope="session")
def binaries() -> Binaries:
    if _STATE.skipped:
        pytest.skip(_STATE.skipped)
    if _STATE.binaries is None:
        try:
            _STATE.binaries = built_binaries()
        except Unavailable as why:
            if REQUIRED:
                pytest.fail(f"KRATIX_OPS_REALAPI=required but {why}")
            _STATE.skipped = str(why)
            pytest.skip(_STATE.skipped)
        if _STATE.binaries.build_seconds:
            _STATE.timings["build"] = _STATE.binaries.build_seconds
    return _STATE.binaries


@dataclass
class RealApi:
    server: RealApiServer
    admin: Http
    kubeconfig: Path
    crd_copies: list[str]

    def http(self, context: str) -> Http:
        """A client as the user of a kubeconfig context (admin, admin-cert, narrow)."""
        c = self.server.creds
        if context == "admin-cert":
            return Http(self.server.url, c.ca, cert=(c.admin_cert, c.admin_key))
        return Http(self.server.url, c.ca, token=c.admin_token if context == "admin" else c.narrow_token)

    def seeder(self) -> Seeder:
        return Seeder(self.admin)

    def revision(self) -> str:
        """etcd's global revision: it moves on every write, and only then (nothing else runs)."""
        return str(self.admin.get("/api/v1/namespaces?limit=1")["metadata"]["resourceVersion"])


@pytest.fixture(scope="session")
def real_api(binaries: Binaries) -> Iterator[RealApi]:
    """kube-apiserver + etcd for the tier, with every platform CRD Established (that takes most of
    the start-up: one server is shared; modules keep to their own namespaces and names)."""
    shm = Path("/dev/shm")
    state = Path(tempfile.mkdtemp(prefix="kratix-ops-realapi-", dir=shm if shm.is_dir() else None))
    with RealApiServer(binaries, state) as server:
        _STATE.timings.setdefault("start to /readyz", server.ready_seconds)
        started = time.monotonic()
        copies = install_platform_crds(server.admin)
        _STATE.timings.setdefault("CRDs established", time.monotonic() - started)
        yield RealApi(server, server.admin, server.kubeconfig, copies)


@pytest.fixture
def task(real_api: RealApi) -> TaskRunner:
    """task("status", "--output", "json") -> Invocation(code, stdout, stderr): invoke in-process, on the real server."""
    return TaskRunner({"KUBECONFIG": str(real_api.kubeconfig), "INVOKE_WAITS_INTERVAL": "0.05"})
