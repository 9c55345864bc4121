"""Renderers: one result model, several outputs (table, json, yaml) picked by --output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ops.errors import one_of

if TYPE_CHECKING:
    from datadog_configure.footprint import ContainerResources, Footprint
    from ops.render.console import Consoles
    from ops.stacks.local_run import LocalRun, StateStoreWrite

OUTPUTS = ("table", "json", "yaml")


def check_output(output: str) -> str:
    return one_of("--output", output, OUTPUTS)


def local_run_data(run: LocalRun) -> dict[str, Any]:
    """The JSON document of a local run (stable field names: README "Local run")."""
    from ops.stacks.agent_nodes import agents_per_cluster

    result = run.result
    fp = result.footprint
    cluster = agents_per_cluster(fp)
    return {
        "request": run.request,
        "targetNamespace": result.target_namespace,
        "objects": [
            {"kind": m.kind, "namespace": m.namespace or None, "name": m.name, "file": m.filename}
            for m in result.manifests
        ],
        "status": run.status,
        "footprint": {
            "perNode": fp.per_node.as_status(),
            # the node agents on the nodes of iac/'s default node groups they run on
            "perCluster": {"runsOn": cluster.runs_on, "nodes": cluster.nodes, **cluster.total.as_status()},
            "containers": [_container_data(c) for c in fp.containers],
            "initContainers": _container_data(fp.init_containers),
            "clusterAgent": None
            if fp.cluster_agent is None
            else {**_container_data(fp.cluster_agent), "replicas": fp.cluster_agent_replicas},
            "unbounded": list(fp.unbounded),
        },
    }


def _container_data(c: ContainerResources) -> dict[str, Any]:
    return {"container": c.container, "valuesKey": c.values_key, **c.totals.as_status()}


def render_local_run(run: LocalRun, output: str, consoles: Consoles) -> None:
    if output == "json":
        consoles.out.print_json(json.dumps(local_run_data(run)))
        return
    if output == "yaml":
        # The manifests exactly as the pipeline wrote them, as one stream (pipe it to a validator).
        consoles.out.out("---\n".join(f.content.decode() for f in run.files), end="", highlight=False)
        return
    from rich.table import Table

    objects = Table(title="What Kratix would commit", title_justify="left")
    for column in ("KIND", "NAMESPACE", "NAME", "FILE"):
        objects.add_column(column)
    for m in run.result.manifests:
        objects.add_row(m.kind, m.namespace or "-", m.name, m.filename)
    consoles.out.print(objects)
    consoles.out.print(f"status: {run.status['message']}", markup=False)
    consoles.out.print(f"target namespace: {run.result.target_namespace}", markup=False)
    consoles.out.print(
        f"API keys: AWS Secrets Manager secret {run.result.request.secret_path} (properties api-key, app-key)",
        markup=False,
    )
    consoles.out.print(footprint_table(run.result.footprint))


def footprint_table(fp: Footprint) -> Any:
    """Per node, then on the nodes of iac/'s default node groups the agents run on (the system ones too)."""
    from rich.table import Table

    from ops.stacks.agent_nodes import agents_per_cluster

    table = Table(title="Datadog agent footprint per node", title_justify="left")
    for column in ("CONTAINER", "CPU REQ", "CPU LIM", "MEM REQ", "MEM LIM"):
        table.add_column(column, justify="left" if column == "CONTAINER" else "right")

    def row(name: str, totals: dict[str, dict[str, str]], style: str | None = None) -> None:
        req, lim = totals["requests"], totals["limits"]
        table.add_row(name, req["cpu"], lim["cpu"], req["memory"], lim["memory"], style=style)

    for c in fp.containers:
        row(c.container if c.bounded else f"{c.container} (unbounded)", c.totals.as_status())
    row("per node", fp.per_node.as_status(), style="bold")
    cluster = agents_per_cluster(fp)
    row(f"node agents per cluster ({cluster.runs_on})", cluster.total.as_status())
    if fp.cluster_agent is not None:
        row(f"cluster-agent x{fp.cluster_agent_replicas} (per cluster)", fp.cluster_agent.totals.as_status())
    return table


def render_state_store_write(write: StateStoreWrite, dry_run: bool, consoles: Consoles) -> None:
    verb = "would write" if dry_run else "wrote"
    consoles.err.print(f"state store: {write.folder}", markup=False)
    for path in write.written:
        consoles.err.print(f"  {verb} {path}", markup=False)
    for path in write.removed:
        consoles.err.print(f"  {'would remove' if dry_run else 'removed'} {path} (no longer generated)", markup=False)
    if write.unchanged:
        consoles.err.print(f"  unchanged, skipped: {', '.join(write.unchanged)}", markup=False)
