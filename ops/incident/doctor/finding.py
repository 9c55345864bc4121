"""What a check reports: a `Finding` (frozen) with a severity that knows its colour.

A finding's JSON is part of the interface (README "invoke doctor"):

    {"check": "pipeline-failed", "severity": "error", "context": "prod",
     "object": {"kind": "DatadogStack", "namespace": "team-a", "name": "production"},
     "owner": null, "symptom": "...", "evidence": ["..."], "cause": "...", "fix": ["..."],
     "docs": "https://..."}
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ops.kube.objects import ObjectRef

Json = dict[str, Any]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    @property
    def colour(self) -> str:
        return {"error": "red", "warning": "yellow", "info": "cyan"}[self.value]

    def reaches(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank


@dataclass(frozen=True)
class Subject:
    """What a finding is about: `DatadogStack team-a/production`."""

    kind: str
    name: str
    namespace: str | None = None

    def as_json(self) -> Json:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass(frozen=True)
class Remedy:
    """A safe fix `doctor --fix` may apply: a merge patch of labels or annotations on one object."""

    action: str  # hard-refresh, rerun-pipeline, force-sync
    ref: ObjectRef
    patch: Json
    command: str  # the same by hand

    def __str__(self) -> str:
        return f"{self.action} {self.ref}"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    context: str
    object: Subject
    owner: Subject | None
    symptom: str
    evidence: tuple[str, ...]
    cause: str
    fix: tuple[str, ...]
    docs: str
    remedy: Remedy | None = None
    # The object the cause sits on when it is not this one (the store behind an ExternalSecret, the
    # Promise behind a Work): incidents group findings by it (ops/incident/doctor/incidents.py).
    root: Subject | None = None

    def as_json(self) -> Json:
        return {
            "check": self.check,
            "severity": self.severity.value,
            "context": self.context,
            "object": self.object.as_json(),
            "owner": self.owner.as_json() if self.owner else None,
            "symptom": self.symptom,
            "evidence": list(self.evidence),
            "cause": self.cause,
            "fix": list(self.fix),
            "docs": self.docs,
        }

    @property
    def namespaces(self) -> set[str]:
        """The namespaces this finding is about (`--namespace` keeps it when one matches)."""
        return {s.namespace for s in (self.object, self.owner) if s is not None and s.namespace}
