"""Incidents, not lists: findings that share a cause, grouped under the object the cause sits on.

A check that knows the cause of what it sees sits on another object sets `Finding.root` (an
ExternalSecret failing because its ClusterSecretStore is not valid: root the store; a HelmRelease
without its values Secret because the ExternalSecret writing it fails: root the ExternalSecret).
Roots are followed to the bottom of the chain (HelmRelease -> ExternalSecret -> store), and every
finding whose chain ends on the same object, in the same context, is one incident:

    incidents = build_incidents(diagnosis.findings)
    incidents[0].root          # Subject("ClusterSecretStore", "aws-secrets-manager")
    incidents[0].causes        # the findings about the store itself (may be empty)
    incidents[0].symptoms      # ExternalSecrets, HelmReleases... it explains, merged

Identical findings on N objects (same check, severity, symptom and cause once the object's own
name is taken out) become one `Group` listing the N objects, both under an incident and across
incidents that have no symptoms (twelve ExternalSecrets failing alike are one incident).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ops.incident.doctor.finding import Finding, Json, Severity, Subject


@dataclass(frozen=True)
class Group:
    """One finding standing for identical findings on `objects` (the first finding's words)."""

    finding: Finding
    objects: tuple[Subject, ...]

    def as_json(self) -> Json:
        return {**self.finding.as_json(), "objects": [o.as_json() for o in self.objects]}


@dataclass(frozen=True)
class Incident:
    context: str
    root: Subject
    causes: tuple[Group, ...]  # findings about the root object itself
    symptoms: tuple[Group, ...]  # findings about the objects it breaks

    @property
    def groups(self) -> tuple[Group, ...]:
        return self.causes + self.symptoms

    @property
    def severity(self) -> Severity:
        return max((g.finding.severity for g in self.groups), key=lambda s: s.rank)

    @property
    def lead(self) -> Finding:
        """The finding whose cause and fix speak for the incident: the root's own, else the first symptom's."""
        return self.groups[0].finding

    @property
    def fix(self) -> tuple[str, ...]:
        return self.lead.fix

    @property
    def size(self) -> int:
        return sum(len(g.objects) for g in self.groups)

    def as_json(self) -> Json:
        return {
            "context": self.context,
            "severity": self.severity.value,
            "root": self.root.as_json(),
            "cause": self.lead.cause,
            "fix": list(self.fix),
            "findings": [g.as_json() for g in self.causes],
            "symptoms": [g.as_json() for g in self.symptoms],
        }


def root_of(finding: Finding, findings: Sequence[Finding]) -> Subject:
    """The object at the bottom of the finding's chain of roots (itself when it names none)."""
    return _chain(finding, _linked(findings))[-1]


def _linked(findings: Sequence[Finding]) -> dict[tuple[str, Subject], Finding]:
    return {(f.context, f.object): f for f in reversed(findings) if f.root is not None}


def _chain(finding: Finding, linked: dict[tuple[str, Subject], Finding]) -> list[Subject]:
    """The finding's object, then each root it leads to, down to the bottom (no object twice)."""
    chain, current = [finding.object], finding
    while current.root is not None and current.root not in chain:
        chain.append(current.root)
        following = linked.get((finding.context, current.root))
        if following is None:
            break
        current = following
    return chain


def build_incidents(findings: Sequence[Finding]) -> tuple[Incident, ...]:
    """Findings (in diagnosis order: worst first) grouped into incidents, in the same order.

    Symptoms are listed nearest to the root first (ExternalSecrets, then the HelmReleases behind them).
    """
    linked = _linked(findings)
    by_root: dict[tuple[str, Subject], list[tuple[int, Finding]]] = {}
    for f in findings:
        chain = _chain(f, linked)
        by_root.setdefault((f.context, chain[-1]), []).append((len(chain), f))
    incidents = [
        Incident(
            context,
            root,
            _merge(f for _, f in members if f.object == root),
            _merge(f for _, f in sorted(members, key=lambda m: m[0]) if f.object != root),
        )
        for (context, root), members in by_root.items()
    ]
    return _merge_alike(incidents)


def _merge(findings: Iterable[Finding]) -> tuple[Group, ...]:
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        groups.setdefault(_key(f), []).append(f)
    return tuple(Group(same[0], tuple(dict.fromkeys(f.object for f in same))) for same in groups.values())


def _merge_alike(incidents: list[Incident]) -> tuple[Incident, ...]:
    """Incidents made of one group of their root's own findings, alike, become one listing every root."""
    merged: dict[tuple[str, ...], list[Incident]] = {}
    for index, incident in enumerate(incidents):
        alone = not incident.symptoms and len(incident.causes) == 1
        key = (incident.context, *_key(incident.causes[0].finding)) if alone else (str(index),)
        merged.setdefault(key, []).append(incident)
    result = []
    for same in merged.values():
        first = same[0]
        if len(same) == 1:
            result.append(first)
            continue
        objects = tuple(dict.fromkeys(o for i in same for o in i.causes[0].objects))
        result.append(Incident(first.context, first.root, (Group(first.causes[0].finding, objects),), ()))
    return tuple(result)


def _key(f: Finding) -> tuple[str, ...]:
    """What makes two findings the same but for their object: check, severity, symptom, cause, root."""
    return (
        f.check,
        f.severity.value,
        _anonymous(f.symptom, f.object),
        _anonymous(f.cause, f.object),
        _anonymous(str(f.root), f.object) if f.root else "",
    )


def _anonymous(text: str, obj: Subject) -> str:
    """The text with the object's own name and namespace taken out."""
    for word, mark in ((obj.name, "<name>"), (obj.namespace or "", "<namespace>")):
        if word:
            text = re.sub(rf"(?<![\w.-]){re.escape(word)}(?![\w.-])", mark, text)
    return text
