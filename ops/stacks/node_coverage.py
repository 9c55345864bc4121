"""Whether a stack's node agents run on every node they should: the agents counted against the
nodes, not only against the DaemonSet's own desired count (which silently leaves out the nodes
whose taints its pod template does not tolerate).

    nodes = read_nodes(kube)                      # one list request per look at the cluster
    coverage = node_coverage(nodes, daemonset)
    str(coverage)  # "2/3 nodes have an agent; not on ip-10-0-3-7 (taint node-type=system:NoSchedule)"

The nodes the agents should run on are the Ready, uncordoned ones. Nodes that cannot be listed
(forbidden, unreachable) make the coverage unknown, and unknown is never complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.errors import OpsError
from ops.kube.fields import daemonset_rollout, pod_template_spec
from ops.kube.objects import list_objects
from ops.kube.placement import LeftOut, left_out, schedulable

if TYPE_CHECKING:
    from ops.kube.client import Kube


@dataclass(frozen=True)
class Nodes:
    """The schedulable nodes of a cluster, or why they could not be listed."""

    schedulable: tuple[Mapping[str, Any], ...] = ()
    error: str | None = None


def read_nodes(kube: Kube) -> Nodes:
    try:
        items = list_objects(kube, "v1", "Node")
    except OpsError as err:
        return Nodes(error=err.message)
    return Nodes(tuple(n for n in items if schedulable(n)))


@dataclass(frozen=True)
class NodeCoverage:
    nodes: int  # schedulable nodes
    desired: int  # the DaemonSet's desiredNumberScheduled
    with_agent: int  # of those nodes, how many have a ready agent (at most)
    left_out: tuple[LeftOut, ...] = ()
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and not self.left_out and self.with_agent >= self.nodes

    @property
    def worth_saying(self) -> bool:
        """Whether the DaemonSet's own ready/desired hides something: unknown nodes, or nodes it leaves out."""
        return self.error is not None or bool(self.left_out) or self.desired < self.nodes

    def __str__(self) -> str:
        if self.error is not None:
            return f"nodes not readable ({self.error}): cannot tell whether every node has an agent"
        text = f"{self.with_agent}/{self.nodes} nodes have an agent"
        if self.left_out:
            text += "; not on " + ", ".join(map(str, self.left_out))
        return text


def node_coverage(nodes: Nodes, daemonset: Mapping[str, Any]) -> NodeCoverage:
    rollout = daemonset_rollout(daemonset)
    desired = rollout.wanted
    if nodes.error is not None:
        return NodeCoverage(0, desired, 0, error=nodes.error)
    missing = left_out(nodes.schedulable, pod_template_spec(daemonset))
    coverable = len(nodes.schedulable) - len(missing)
    return NodeCoverage(len(nodes.schedulable), desired, min(rollout.ready, coverable), missing)
