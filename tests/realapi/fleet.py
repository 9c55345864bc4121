"""The platform the `realapi` tier and bench/real_apiserver.py seed: 1000 DatadogStacks in 10 teams,
each with its status, namespace and HelmRelease, and 3 more with every object a stack leads to."""

from __future__ import annotations

from tests.objects import NODES, Stack, healthy_platform, helm_release, namespace

STACKS = 1000
TEAMS = 10

DETAILED = (  # with every object a stack leads to (pipeline pod, Work, agents...)
    Stack("production", "team-a", tier="full"),
    Stack("staging", "team-a", tier="standard"),
    Stack("sandbox", "team-b"),
)


def fleet(count: int = STACKS) -> list[Stack]:
    tiers = ("minimal", "standard", "full")
    return [Stack(f"stack-{i:04d}", f"team-{i % TEAMS}", tier=tiers[i % 3]) for i in range(count)]


def fleet_objects(stacks: list[Stack]) -> list[dict[str, object]]:
    """Each stack with its status, its namespace and its HelmRelease: what status lists per stack,
    in 5 requests a stack (the real server takes them one by one)."""
    return [obj for s in stacks for obj in (s.manifest(), namespace(s.target, s.labels), helm_release(s))]


def team_namespaces() -> list[dict[str, object]]:
    return [namespace(n) for n in ("team-b", *(f"team-{t}" for t in range(TEAMS)))]


def platform_objects(stacks: list[Stack]) -> list[dict[str, object]]:
    """Argo CD, Kratix, ESO, Flux (one node), the DETAILED stacks in full, and `stacks` in brief."""
    return [*healthy_platform(DETAILED, nodes=NODES[:1]), *fleet_objects(stacks)]
