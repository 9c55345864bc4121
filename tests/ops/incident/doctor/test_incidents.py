"""Incidents: findings grouped by the object their cause sits on, identical ones merged; table and JSON."""

from __future__ import annotations

import io
import json

from rich.console import Console

from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.incidents import build_incidents, root_of
from ops.incident.doctor.run import Diagnosis
from ops.render.console import Consoles
from ops.render.doctor import doctor_data, finding_text, incident_text, render_doctor

STORE = Subject("ClusterSecretStore", "aws-secrets-manager")


def found(
    check: str,
    obj: Subject,
    *,
    root: Subject | None = None,
    cause: str = "ESO cannot build AWS credentials",
    severity: Severity = Severity.ERROR,
    context: str = "kind-a",
) -> Finding:
    return Finding(
        check=check,
        severity=severity,
        context=context,
        object=obj,
        owner=None,
        symptom=f"{obj} is broken",
        evidence=(f"Ready=False on {obj.name}",),
        cause=cause,
        fix=(f"kubectl describe {obj.kind.lower()} {obj.name}",),
        docs="https://external-secrets.io/latest/",
        root=root,
    )


def es(namespace: str) -> Subject:
    return Subject("ExternalSecret", "datadog-api-key", namespace)


def hr(namespace: str) -> Subject:
    return Subject("HelmRelease", "datadog", namespace)


def store_cascade() -> list[Finding]:
    """What the checks report, worst first: releases, secrets and the store, in check order."""
    return [
        found("secretstore-not-valid", STORE),
        *(found("externalsecret-failed", es(ns), root=STORE, cause="the store is not ready") for ns in ("a", "b")),
        *(found("helmrelease-values-missing", hr(ns), root=es(ns), cause="its Secret is missing") for ns in ("a", "b")),
    ]


def test_a_chain_of_roots_ends_at_the_bottom_object_and_symptoms_come_nearest_first() -> None:
    findings = store_cascade()

    [incident] = build_incidents(list(reversed(findings)))  # whatever order the checks ran in

    assert root_of(findings[-1], findings) == STORE
    assert incident.root == STORE
    assert [g.finding.check for g in incident.causes] == ["secretstore-not-valid"]
    assert [(g.finding.check, g.objects) for g in incident.symptoms] == [
        ("externalsecret-failed", (es("b"), es("a"))),
        ("helmrelease-values-missing", (hr("b"), hr("a"))),
    ]
    assert incident.fix == ("kubectl describe clustersecretstore aws-secrets-manager",)
    assert incident.size == 5


def test_identical_findings_without_a_common_root_are_one_incident_listing_every_object() -> None:
    findings = [found("externalsecret-failed", es(ns), cause="Secret does not exist") for ns in ("a", "b", "c")]
    other = found("externalsecret-failed", es("d"), cause="the IAM role may not read it")

    incidents = build_incidents([*findings, other])

    assert [(i.root, [g.objects for g in i.causes]) for i in incidents] == [
        (es("a"), [(es("a"), es("b"), es("c"))]),
        (es("d"), [(es("d"),)]),
    ]


def test_a_root_without_its_own_finding_speaks_through_its_first_symptom() -> None:
    [incident] = build_incidents(
        [found("externalsecret-failed", es("a"), root=STORE, cause="denied by spec.condition")]
    )

    assert (incident.root, incident.causes, incident.lead.cause) == (STORE, (), "denied by spec.condition")


def test_roots_that_point_at_each_other_stop_and_contexts_stay_apart() -> None:
    a, b = Subject("Work", "w", "ns"), Subject("Promise", "p")
    loop = [found("work-unscheduled", a, root=b), found("kratix-paused", b, root=a)]
    twice = [found("secretstore-not-valid", STORE), found("secretstore-not-valid", STORE, context="kind-b")]

    assert {i.root for i in build_incidents(loop)} <= {a, b}
    assert [(i.context, i.root) for i in build_incidents(twice)] == [("kind-a", STORE), ("kind-b", STORE)]


def render(diagnosis: Diagnosis, output: str) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=250, no_color=True, highlight=False)
    render_doctor(diagnosis, output, Consoles(console, console))
    return buffer.getvalue()


def diagnosis_of(findings: list[Finding]) -> Diagnosis:
    return Diagnosis(tuple(findings), (), ("secretstore-not-valid",), ("kind-a",), build_incidents(findings))


def test_the_table_shows_one_block_per_incident_with_its_symptoms_under_the_root() -> None:
    text = render(diagnosis_of(store_cascade()), "table")

    assert text.startswith("ERROR   incident  kind-a  root ClusterSecretStore aws-secrets-manager  (5 findings)\n")
    assert "\n  ERROR   secretstore-not-valid  kind-a  ClusterSecretStore aws-secrets-manager\n" in text
    assert (
        "  symptoms (caused by ClusterSecretStore aws-secrets-manager):\n"
        "    ERROR   externalsecret-failed  ExternalSecret a/datadog-api-key, ExternalSecret b/datadog-api-key\n"
        "      symptom:  ExternalSecret a/datadog-api-key is broken\n"
    ) in text
    assert text.count("helmrelease-values-missing") == 1
    assert text.rstrip().endswith("5 errors: 1 checks on kind-a")


def test_a_lone_finding_is_its_own_block_as_before() -> None:
    lone = found("externalsecret-failed", es("a"))

    [incident] = build_incidents([lone])

    assert incident_text(incident).plain == finding_text(lone).plain


def test_json_keeps_the_flat_findings_and_adds_the_incidents() -> None:
    data = json.loads(render(diagnosis_of(store_cascade()), "json"))

    assert len(data["findings"]) == 5
    assert "root" not in data["findings"][0]  # a finding's fields are unchanged
    [incident] = data["incidents"]
    assert incident["root"] == {"kind": "ClusterSecretStore", "namespace": None, "name": "aws-secrets-manager"}
    assert (incident["severity"], incident["cause"]) == ("error", "ESO cannot build AWS credentials")
    assert [f["check"] for f in incident["findings"]] == ["secretstore-not-valid"]
    assert [(s["check"], [o["namespace"] for o in s["objects"]]) for s in incident["symptoms"]] == [
        ("externalsecret-failed", ["a", "b"]),
        ("helmrelease-values-missing", ["a", "b"]),
    ]
    assert doctor_data(diagnosis_of([]))["incidents"] == []
