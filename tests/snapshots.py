"""Read a seeded API server the way `status` and `doctor` do, and run one check on the result.

snap = read(kube, kubeconfig, settings, healthy_platform([Stack("production", "team-a")]))
findings = run_check(snap, "oom-killed")
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ops.config import Settings
from ops.incident.doctor.aws_keys import ApiKeysReader
from ops.incident.doctor.finding import Finding
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import reads_for
from ops.incident.snapshot import Reads, Snapshot, take_snapshot
from ops.incident.status import STATUS_KINDS, status_reads
from ops.kube import KubeTarget, RetryPolicy, connect
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    platform_crds,
)

QUICK = RetryPolicy(attempts=2, max_seconds=2.0, first_wait=0.01, max_wait=0.02, jitter=0.0)


def read(
    kube: EmulatorThread,
    kubeconfig: Path,
    settings: Settings,
    objects: Iterable[dict[str, Any]],
    *,
    crds: Iterable[dict[str, Any]] | None = None,
    needs: Iterable[str] | None = None,
    context: str = "kind-a",
) -> Snapshot:
    """Install the CRDs (all the platform's by default), seed the objects, take one snapshot."""
    kube.install_crd(*(platform_crds() if crds is None else crds))
    kube.seed(*objects)
    if needs is None:
        reads = reads_for(all_checks(), settings)
    elif set(needs) == STATUS_KINDS:
        reads = status_reads(settings)  # and what status keeps of it
    else:
        reads = Reads.of(settings, needs)
    with connect(KubeTarget(kubeconfig, context), retry=QUICK) as client:
        return take_snapshot(client, reads)


def run_check(snap: Snapshot, check_id: str, aws: ApiKeysReader | None = None) -> list[Finding]:
    check = next(c for c in all_checks() if c.id == check_id)
    return check.run(snap, aws if check.uses_aws else None)


def findings_text(findings: Iterable[Finding]) -> str:
    """Everything a finding says, as one string (to assert that no secret value is in it)."""
    import json

    return json.dumps([f.as_json() for f in findings])
