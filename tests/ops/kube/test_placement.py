"""Kubernetes' placement rules: which toleration tolerates which taint, which node a selector or a
required node affinity admits, and which nodes a DaemonSet leaves out."""

from __future__ import annotations

from typing import Any

import pytest

from ops.kube.placement import (
    LeftOut,
    Taint,
    Toleration,
    left_out,
    schedulable,
    selection_mismatch,
    taints_of,
    untolerated,
)
from tests.objects import EVERYTHING, SYSTEM_TAINT, SYSTEM_TOLERATION, eks_node

SYSTEM = Taint("node-type", "system", "NoSchedule")


@pytest.mark.parametrize(
    ("toleration", "taint", "tolerated"),
    [
        # Exists with no key tolerates every taint, whatever its effect
        (Toleration(operator="Exists"), SYSTEM, True),
        (Toleration(operator="Exists"), Taint("gpu", "", "NoExecute"), True),
        # ... unless it names an effect
        (Toleration(operator="Exists", effect="NoSchedule"), Taint("gpu", "", "NoExecute"), False),
        # Exists with a key: any value of that key
        (Toleration("node-type", "Exists"), SYSTEM, True),
        (Toleration("node-type", "Exists"), Taint("node-role", "system", "NoSchedule"), False),
        # Equal: key and value must both match; no effect means every effect
        (Toleration("node-type", "Equal", "system"), SYSTEM, True),
        (Toleration("node-type", "Equal", "system"), Taint("node-type", "system", "NoExecute"), True),
        (Toleration("node-type", "Equal", "default"), SYSTEM, False),
        (Toleration("node-type", "Equal", "system", "NoExecute"), SYSTEM, False),
        # a taint without a value is matched by Equal with an empty value
        (Toleration("dedicated", "Equal", ""), Taint("dedicated", "", "NoSchedule"), True),
        (Toleration("dedicated", "Equal", "x"), Taint("dedicated", "", "NoSchedule"), False),
        # an operator the API server does not know tolerates nothing
        (Toleration("node-type", "Gt", "1"), Taint("node-type", "2", "NoSchedule"), False),
    ],
)
def test_a_toleration_matches_a_taint_by_key_operator_value_and_effect(
    toleration: Toleration, taint: Taint, tolerated: bool
) -> None:
    assert toleration.tolerates(taint) is tolerated


def test_tolerations_read_as_the_api_writes_them_default_to_the_equal_operator() -> None:
    assert Toleration.of({"key": "node-type", "value": "system", "effect": "NoSchedule"}) == Toleration(
        "node-type", "Equal", "system", "NoSchedule"
    )
    assert Toleration.of(SYSTEM_TOLERATION).tolerates(Taint.of(SYSTEM_TAINT))
    assert Toleration.of(EVERYTHING).tolerates(Taint.of(SYSTEM_TAINT))


def test_prefer_no_schedule_never_keeps_a_pod_off_a_node() -> None:
    soft = Taint("spot", "true", "PreferNoSchedule")

    assert untolerated([soft, SYSTEM], []) == (SYSTEM,)


def test_taints_print_as_kubectl_spells_them() -> None:
    assert str(SYSTEM) == "node-type=system:NoSchedule"
    assert str(Taint("node.kubernetes.io/unreachable", "", "NoExecute")) == "node.kubernetes.io/unreachable:NoExecute"


def test_only_ready_uncordoned_nodes_are_schedulable() -> None:
    assert schedulable(eks_node("a", "default"))
    assert schedulable(eks_node("b", "system", taints=[SYSTEM_TAINT]))
    assert not schedulable(eks_node("c", "default", cordoned=True))
    assert not schedulable(eks_node("d", "default", ready=False))


def affinity(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def test_node_selector_and_required_affinity_admit_or_rule_out_a_node() -> None:
    system = eks_node("ip-10-0-3-7", "system", taints=[SYSTEM_TAINT])
    node_type = {"key": "node-type", "operator": "In", "values": ["default"]}

    assert selection_mismatch(system, {"nodeSelector": {"kubernetes.io/os": "linux"}}) is None
    assert selection_mismatch(system, {"nodeSelector": {"node-type": "default"}}) == (
        "nodeSelector node-type=default (node-type=system)"
    )
    assert selection_mismatch(system, {"nodeSelector": {"gpu": "yes"}}) == "nodeSelector gpu=yes (no label gpu)"
    assert selection_mismatch(system, {"affinity": affinity({"matchExpressions": [node_type]})}) == (
        "required node affinity"
    )
    # terms are ORed; the expressions of one term are ANDed
    other = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["ip-10-0-3-7"]}]}
    assert selection_mismatch(system, {"affinity": affinity({"matchExpressions": [node_type]}, other)}) is None
    absent = {"key": "gpu", "operator": "DoesNotExist"}
    assert selection_mismatch(system, {"affinity": affinity({"matchExpressions": [absent]})}) is None
    not_in = {"key": "node-type", "operator": "NotIn", "values": ["system"]}
    assert selection_mismatch(system, {"affinity": affinity({"matchExpressions": [absent, not_in]})}) is not None
    # an empty term matches no node; an empty affinity rules nothing out
    assert selection_mismatch(system, {"affinity": affinity({})}) == "required node affinity"
    assert selection_mismatch(system, {"affinity": {}}) is None


def test_a_daemonset_leaves_out_the_nodes_whose_taints_it_does_not_tolerate() -> None:
    nodes = [
        eks_node("ip-10-0-1-11", "default"),
        eks_node("ip-10-0-3-7", "system", taints=[SYSTEM_TAINT]),
        eks_node("ip-10-0-2-9", "default", taints=[{"key": "gpu", "value": "a100", "effect": "NoExecute"}]),
    ]

    assert left_out(nodes, {"nodeSelector": {"kubernetes.io/os": "linux"}}) == (
        LeftOut("ip-10-0-3-7", (SYSTEM,)),
        LeftOut("ip-10-0-2-9", (Taint("gpu", "a100", "NoExecute"),)),
    )
    assert [str(n) for n in left_out(nodes, {"tolerations": [SYSTEM_TOLERATION]})] == [
        "ip-10-0-2-9 (taint gpu=a100:NoExecute)"
    ]
    assert left_out(nodes, {"tolerations": [EVERYTHING]}) == ()


def test_a_daemonset_tolerates_what_its_controller_adds_on_a_cordoned_node_but_not_an_unreachable_one() -> None:
    cordoned = eks_node("ip-10-0-1-11", "default", cordoned=True)
    unreachable = eks_node("ip-10-0-1-12", "default", ready=False)

    assert taints_of(cordoned)
    # The controller adds unreachable:NoExecute (its pods stay), not NoSchedule (no new pod goes there).
    assert left_out([cordoned, unreachable], {}) == (
        LeftOut("ip-10-0-1-12", (Taint("node.kubernetes.io/unreachable", "", "NoSchedule"),)),
    )


def test_a_node_left_out_by_taint_and_selector_names_both() -> None:
    system = eks_node("ip-10-0-3-7", "system", taints=[SYSTEM_TAINT])

    [node] = left_out([system], {"nodeSelector": {"node-type": "default"}})

    assert node.reason == "taint node-type=system:NoSchedule, nodeSelector node-type=default (node-type=system)"


def test_tolerations_print_what_they_tolerate() -> None:
    assert str(Toleration.of(SYSTEM_TOLERATION)) == "node-type=system:NoSchedule"
    assert str(Toleration.of(EVERYTHING)) == "every taint"
    assert str(Toleration(operator="Exists", effect="NoExecute")) == "every NoExecute taint"
    assert str(Toleration("node-type", "Exists")) == "node-type (any value) (any effect)"
    assert str(Toleration("gpu", "Equal", "", "NoSchedule")) == "gpu:NoSchedule"
