"""How the fleet is shown: `cluster.list` as a table or JSON, and a cluster Secret with its data redacted."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from ops.platform.fleet import FleetMember, WorkloadCluster
    from ops.render.console import Consoles

LIST_OUTPUTS = ("table", "json")
COLUMNS = ("CLUSTER", "DESTINATION", "PATH", "READY", "SERVER", "APPLICATION", "SYNC", "HEALTH", "STACKS")


def render_fleet(members: list[FleetMember], output: str, consoles: Consoles) -> None:
    if output == "json":
        consoles.out.print_json(json.dumps([dataclasses.asdict(m) for m in members]))
        return
    if not members:
        consoles.err.print("no clusters: no Destination carries the label kratix-ops/cluster (`invoke kratix.apply`)")
        return
    from rich.table import Table

    table = Table(title="Clusters", title_justify="left")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for m in members:
        stacks = "-" if m.stacks is None else str(m.stacks)
        table.add_row(m.cluster, m.destination, m.path, m.ready, m.server, m.application, m.sync, m.health, stacks)
    consoles.out.print(table)


def redacted_secret(secret: dict[str, Any], cluster: WorkloadCluster) -> str:
    """The cluster Secret as YAML, its data shown as what it says, the credentials never."""
    shown = {
        **secret,
        "data": {"name": cluster.name, "server": cluster.access.server, "config": cluster.access.redacted()},
    }
    return yaml.safe_dump(shown, sort_keys=False).rstrip()
