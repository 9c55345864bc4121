"""How DatadogStacks are shown: the status table and its JSON, and a failed pipeline's log tail."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ops.render.safe_text import clean

if TYPE_CHECKING:
    from ops.kube.fields import Rollout
    from ops.render.console import Consoles
    from ops.stacks.datadog import Agents, ContainerTrouble, StackStatus
    from ops.stacks.node_coverage import NodeCoverage

STATUS_OUTPUTS = ("table", "json")


def _rollout_data(rollout: Rollout | None) -> dict[str, Any] | None:
    if rollout is None:
        return None
    return {"name": rollout.name, "ready": rollout.ready, "desired": rollout.wanted, "upToDate": rollout.up_to_date}


def _agents_data(agents: Agents | None) -> dict[str, Any] | None:
    if agents is None:
        return None
    return {
        "ready": agents.ready,
        "nodeAgents": _rollout_data(agents.node_agents),
        "clusterAgent": _rollout_data(agents.cluster_agent),
        "nodes": _coverage_data(agents.coverage),
    }


def _coverage_data(coverage: NodeCoverage | None) -> dict[str, Any] | None:
    """The node agents counted against the schedulable nodes (None: no DaemonSet yet)."""
    if coverage is None:
        return None
    return {
        "schedulable": None if coverage.error else coverage.nodes,
        "withAgent": None if coverage.error else coverage.with_agent,
        "leftOut": [{"node": n.node, "reason": n.reason} for n in coverage.left_out],
        "error": coverage.error,
    }


def stack_status_data(stack: StackStatus) -> dict[str, Any]:
    """One stack as JSON (stable field names: README "datadog.status")."""
    return {
        "namespace": stack.ref.namespace,
        "name": stack.ref.name,
        "tier": stack.tier,
        "environment": stack.environment,
        "phase": stack.phase,
        "status": stack.status,
        "message": stack.message,
        "targetNamespace": stack.target_namespace,
        "created": stack.created,
        "ageSeconds": None if stack.age_seconds is None else round(stack.age_seconds),
        "agents": _agents_data(stack.agents),
    }


def age_text(seconds: float | None) -> str:
    """Like kubectl's AGE column: 45s, 12m, 3h, 5d."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "m" else 1):
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _ready_text(rollout: Rollout | None, coverage: NodeCoverage | None = None) -> str:
    if rollout is None:
        return "-"
    text = f"{rollout.ready}/{rollout.wanted}" + ("" if rollout.up_to_date else " (rolling)")
    if coverage is not None and coverage.worth_saying:
        text += " (nodes?)" if coverage.error else f" ({coverage.with_agent}/{coverage.nodes} nodes)"
    return text


def render_stack_statuses(stacks: tuple[StackStatus, ...], output: str, consoles: Consoles) -> None:
    if output == "json":
        consoles.out.print_json(json.dumps([stack_status_data(s) for s in stacks]))
        return
    if not stacks:
        consoles.err.print("no DatadogStacks")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title="DatadogStacks", title_justify="left")
    columns = ("NAMESPACE", "NAME", "TIER", "ENV", "PHASE", "STATUS", "TARGET NAMESPACE", "AGE", "AGENTS", "CLUSTER")
    for column in columns:
        table.add_column(column)
    for s in stacks:
        agents = s.agents
        cells = (
            s.ref.namespace,
            s.ref.name,
            s.tier,
            s.environment,
            s.phase,
            s.status or "-",
            s.target_namespace or "-",
            age_text(s.age_seconds),
            _ready_text(agents.node_agents, agents.coverage) if agents else "-",
            _ready_text(agents.cluster_agent if agents else None),
        )
        table.add_row(*(Text(clean(cell)) for cell in cells))  # as text: no markup, no escapes
    consoles.out.print(table)
    for s in stacks:
        if s.message and s.phase == "Failed":
            consoles.out.print(clean(f"{s.ref}: {s.message}"), markup=False, soft_wrap=True)


def render_trouble(trouble: ContainerTrouble | None, consoles: Consoles) -> None:
    """The failing container and the end of its log, before the one-line error."""
    if trouble is None:
        return

    def say(text: str) -> None:  # text from the cluster: no markup, never wrapped
        consoles.err.print(clean(text), markup=False, highlight=False, soft_wrap=True)

    say(str(trouble))
    if trouble.log_tail:
        say(f"last {len(trouble.log_tail)} log lines of {trouble.container}:")
        for line in trouble.log_tail:
            say(f"  | {line}")
    elif trouble.log_error:
        say(f"its log could not be read: {trouble.log_error}")
    say(f"full log: kubectl -n {trouble.namespace} logs {trouble.pod} -c {trouble.container}")
