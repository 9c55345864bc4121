"""Where the chart places the agents, computed from the Helm values: the placement fields of the
agent DaemonSet's pod spec and of the cluster agent Deployment's.

Follows the datadog chart 3.240.0 templates (daemonset.yaml, cluster-agent-deployment.yaml in
https://github.com/DataDog/helm-charts/tree/datadog-3.240.0/charts/datadog/templates): the
DaemonSet's tolerations are a toleration of the Windows node taint when `targetSystem` is windows,
then `agents.tolerations` verbatim (the chart adds one more only for the Datadog operator's untaint
controller, and the tiers switch the operator off); its nodeSelector is `kubernetes.io/os:
<targetSystem>` plus `agents.nodeSelector`; its affinity is `agents.affinity`. The cluster agent's
come from `clusterAgent.tolerations`, `clusterAgent.nodeSelector` (after `kubernetes.io/os`) and
`clusterAgent.affinity` the same way.
"""

from __future__ import annotations

from typing import Any

from datadog_configure.footprint import Values, lookup

WINDOWS_TOLERATION = {"effect": "NoSchedule", "key": "node.kubernetes.io/os", "value": "windows", "operator": "Equal"}


def _target_system(values: Values) -> str:
    return str(lookup(values, "targetSystem", "linux"))


def agent_pod_placement(values: Values) -> dict[str, Any]:
    """`tolerations`, `nodeSelector` and `affinity` of the agent DaemonSet's pod template."""
    system = _target_system(values)
    tolerations = [WINDOWS_TOLERATION] if system == "windows" else []
    tolerations += list(lookup(values, "agents.tolerations") or [])
    return {
        "tolerations": tolerations,
        "nodeSelector": {"kubernetes.io/os": system, **(lookup(values, "agents.nodeSelector") or {})},
        "affinity": dict(lookup(values, "agents.affinity") or {}),
    }


def cluster_agent_pod_placement(values: Values) -> dict[str, Any]:
    """`tolerations`, `nodeSelector` and `affinity` of the cluster agent Deployment's pod template."""
    return {
        "tolerations": list(lookup(values, "clusterAgent.tolerations") or []),
        "nodeSelector": {
            "kubernetes.io/os": _target_system(values),
            **(lookup(values, "clusterAgent.nodeSelector") or {}),
        },
        # without clusterAgent.affinity, a preferred pod anti-affinity: it rules no node out
        "affinity": dict(lookup(values, "clusterAgent.affinity") or {}),
    }
