"""Read a seeded API server the way `status` and `doctor` do, and run one check on the result.

snap = read(kube, kubeconfig, settings, healthy_platform([Stack("production", "team-a")]))
findings = run_check(snap, "oom-killed")

Every doctor snapshot a test takes is also checked against its settled objects kept whole: every
check must find the same on both (`same_findings`), so each incident a test builds also proves that
what ops/incident/doctor/settled.py drops of healthy objects is read by no check.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ops.config import Settings
from ops.incident.doctor.aws_keys import ApiKeysReader
from ops.incident.doctor.finding import Finding
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import reads_for
from ops.incident.doctor.settled import DOCTOR_SHAPES
from ops.incident.keep import Keeper, When
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
        reads = replace(reads_for(all_checks(), settings), shapes={})  # every object whole, first
    elif set(needs) == STATUS_KINDS:
        reads = status_reads(settings)  # and what status keeps of it
    else:
        reads = Reads.of(settings, needs)
    with connect(KubeTarget(kubeconfig, context), retry=QUICK) as client:
        snap = take_snapshot(client, reads)
    if needs is not None:
        return snap
    kept = settled_kept(snap)  # what doctor keeps: the settled objects' skeletons
    same_findings(snap, kept)
    return kept


def settled_kept(whole: Snapshot, shapes: Mapping[str, When] = DOCTOR_SHAPES) -> Snapshot:
    """The snapshot doctor takes of the same answers: each item through the Keeper with doctor's shapes."""
    keeper = Keeper(shapes)
    listings = {}
    for key, listing in whole.listings.items():
        spec = listing.spec
        items = (keeper(copy.deepcopy(item), key, spec.kind, spec.api_version) for item in listing.items)
        listings[key] = replace(listing, items=tuple(item for item in items if item is not None))
    return replace(whole, listings=listings)


def same_findings(whole: Snapshot, kept: Snapshot) -> None:
    """Every check finds the same on both snapshots, or the AssertionError names the check and the difference."""
    for check in all_checks():
        if check.uses_aws:
            continue  # reads AWS, not the settled objects' dropped fields
        on_whole = [f.as_json() for f in check.run(whole, None)]
        on_kept = [f.as_json() for f in check.run(kept, None)]
        assert on_kept == on_whole, (
            f"{check.id} finds otherwise once settled objects are reduced to their skeletons "
            f"(ops/incident/doctor/settled.py):\nwhole: {json.dumps(on_whole)[:2000]}"
            f"\nkept:  {json.dumps(on_kept)[:2000]}"
        )


def run_check(snap: Snapshot, check_id: str, aws: ApiKeysReader | None = None) -> list[Finding]:
    check = next(c for c in all_checks() if c.id == check_id)
    return check.run(snap, aws if check.uses_aws else None)


def findings_text(findings: Iterable[Finding]) -> str:
    """Everything a finding says, as one string (to assert that no secret value is in it)."""
    import json

    return json.dumps([f.as_json() for f in findings])
