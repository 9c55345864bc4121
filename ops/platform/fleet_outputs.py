"""The workload clusters `iac/` created: its output `workload_clusters` (iac/outputs.tf), read by `cluster.add NAME`
when neither --context nor --eks says how to reach the cluster.

    found = workload_outputs(runner)["payments"]     # cluster_name, region, endpoint, CA, eso_role_arn
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ops.platform.infra import NoOutputs
from ops.programs import TOFU, Command, Runner
from ops.repository import CLUSTER_MODULE, shown

OUTPUT = "workload_clusters"


@dataclass(frozen=True)
class WorkloadOutputs:
    """One entry of the output: the EKS cluster, where its API server is, and External Secrets' role there."""

    cluster_name: str
    region: str
    endpoint: str
    certificate_authority_data: str
    eso_role_arn: str


def workload_outputs(runner: Runner, module_dir: Path = CLUSTER_MODULE) -> dict[str, WorkloadOutputs]:
    """name -> its outputs, through `tofu output -json` (a query: it runs under dry_run too)."""
    done = runner.run(Command(TOFU, ("output", "-json"), cwd=module_dir, query=True), capture=True)
    where = f"{shown(module_dir)}/"
    try:
        data: Any = json.loads(done.stdout or "{}")
    except ValueError as err:
        raise NoOutputs(f"`{done.command}` did not print JSON ({err})") from err
    value = ((data or {}).get(OUTPUT) or {}).get("value") if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise NoOutputs(
            f"{where} has no output {OUTPUT} (not applied yet, or an older state); set workload_clusters and run "
            "`invoke infra.apply`, or pass --context or --eks"
        )
    names = [f.name for f in fields(WorkloadOutputs)]
    found = {}
    for cluster, entry in sorted(value.items()):
        missing = [n for n in names if not isinstance(entry, dict) or n not in entry]
        if missing:
            raise NoOutputs(f"{where} output {OUTPUT}.{cluster} lacks {', '.join(missing)}; run `invoke infra.apply`")
        found[str(cluster)] = WorkloadOutputs(**{n: str(entry[n]) for n in names})
    return found
