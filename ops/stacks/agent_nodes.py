"""The nodes a tier's node agents run on in a cluster `iac/` makes with its defaults, and what the
agents ask of that cluster: per-node requests times the nodes they run on.

    cluster = agents_per_cluster(footprint(values))
    cluster.runs_on          # "every node: 2 default + 2 system"
    cluster.total.as_status()  # the node agents' requests and limits over the whole cluster
"""

from __future__ import annotations

from dataclasses import dataclass

from datadog_configure.footprint import Footprint, Totals
from ops.kube.placement import Taint, Toleration, untolerated


@dataclass(frozen=True)
class NodeGroup:
    name: str
    nodes: int  # desired size
    taints: tuple[Taint, ...] = ()


# iac/'s managed node groups with the desired sizes of their variable defaults (iac/variables.tf)
# and their taints; tests/iac/test_default_node_groups.py fails when iac/ says otherwise.
DEFAULT_NODE_GROUPS = (
    NodeGroup("default", 2),
    NodeGroup("system", 2, (Taint("node-type", "system", "NoSchedule"),)),
)


@dataclass(frozen=True)
class AgentsPerCluster:
    per_node: Totals
    on: tuple[NodeGroup, ...]  # the groups whose nodes get an agent
    off: tuple[tuple[NodeGroup, tuple[Taint, ...]], ...]  # the groups left out, and the taints that do it

    @property
    def nodes(self) -> int:
        return sum(g.nodes for g in self.on)

    @property
    def total(self) -> Totals:
        return self.per_node.times(self.nodes)

    def share_of(self, group: str) -> Totals | None:
        """What the agents on one group's nodes ask for (None: they do not run there)."""
        found = [g for g in self.on if g.name == group]
        return self.per_node.times(found[0].nodes) if found else None

    @property
    def runs_on(self) -> str:
        groups = " + ".join(f"{g.nodes} {g.name}" for g in self.on) or "no node"
        if not self.off:
            return f"every node: {groups}"
        left = "; ".join(f"not {g.name}: taint {', '.join(map(str, taints))}" for g, taints in self.off)
        return f"{groups} ({left})"


def agents_per_cluster(fp: Footprint, groups: tuple[NodeGroup, ...] = DEFAULT_NODE_GROUPS) -> AgentsPerCluster:
    tolerations = [Toleration.of(t) for t in fp.agent_tolerations]
    on, off = [], []
    for group in groups:
        blocking = untolerated(group.taints, tolerations)
        if blocking:
            off.append((group, blocking))
        else:
            on.append(group)
    return AgentsPerCluster(fp.per_node, tuple(on), tuple(off))
