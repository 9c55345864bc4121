"""Renderers for `invoke doctor`: a block per incident (table) or one JSON document, same fields.

An incident with one finding on one object is that finding's block; a larger one is headed by its
root (the object the cause sits on), then the root's own findings, then its symptoms indented.

{"findings": [<Finding.as_json()>...],
 "incidents": [<Incident.as_json()>...],   # {context, severity, root, cause, fix, findings, symptoms}
 "summary": {"error": 1, "warning": 0, "info": 0, "checks": 23, "contexts": ["kind-a"]},
 "unreadable": [{"context": "dead", "error": "cannot reach the Kubernetes API at ..."}],
 "notRun": [{"context": "kind-a", "check": "helmrelease-not-ready", "unread": ["HelmRelease"]}],
 "fixes": [{"context": ..., "action": "hard-refresh", "object": {...}, "patch": {...}, "outcome": "applied"}]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ops.incident.doctor.common import named
from ops.incident.doctor.finding import Finding, Remedy, Severity
from ops.incident.doctor.incidents import Group, Incident
from ops.render.console import write_json
from ops.render.safe_text import clean

if TYPE_CHECKING:
    from ops.incident.doctor.run import Diagnosis, RemedyResult
    from ops.render.console import Consoles


def doctor_data(diagnosis: Diagnosis, fixes: tuple[RemedyResult, ...] = ()) -> dict[str, Any]:
    return {
        "findings": [f.as_json() for f in diagnosis.findings],
        "incidents": [i.as_json() for i in diagnosis.incidents],
        "summary": {
            **{s.value: diagnosis.count(s) for s in Severity},
            "checks": len(diagnosis.checks),
            "contexts": list(diagnosis.contexts),
        },
        "unreadable": [{"context": u.context, "error": u.error} for u in diagnosis.unreadable],
        "notRun": [{"context": n.context, "check": n.check, "unread": list(n.unread)} for n in diagnosis.not_run],
        "fixes": [r.as_json() for r in fixes],
    }


def render_doctor(diagnosis: Diagnosis, output: str, consoles: Consoles, fixes: tuple[RemedyResult, ...] = ()) -> None:
    if output == "json":
        # Written as is: rich's JSON highlighter is slow on the large documents of a bad day.
        write_json(consoles.out, doctor_data(diagnosis, fixes))
        consoles.out.file.flush()
        return
    from rich.text import Text

    for incident in diagnosis.incidents:
        consoles.out.print(incident_text(incident), soft_wrap=True)  # commands stay whole, to copy
    for u in diagnosis.unreadable:
        consoles.out.print(Text(clean(f"context {u.context} could not be read: {u.error}"), style="red"))
    for line in not_run_lines(diagnosis):
        consoles.out.print(Text(clean(line), style="red"))
    for r in fixes:
        line = clean(f"{r.outcome}: {r.remedy} ({r.context})" + (f": {r.error}" if r.error else ""))
        consoles.out.print(Text(line, style="red" if r.error else "green"))
    consoles.out.print(summary_text(diagnosis))


def finding_text(f: Finding) -> Any:
    """One finding as a block: severity first, then what, why and the commands to copy."""
    from rich.text import Text

    text = Text()
    text.append(f"{f.severity.value.upper():<8}", style=f"bold {f.severity.colour}")
    text.append(f"{f.check}  ", style="bold")
    text.append(clean(f"{f.context}  {f.object}"))
    if f.owner is not None:
        text.append(clean(f"  (owner {f.owner})"), style="dim")
    text.append(f"\n  symptom:  {clean(f.symptom)}")
    text.append("\n  evidence:")
    for line in f.evidence:
        text.append(f"\n    {clean(line)}")
    text.append(f"\n  cause:    {clean(f.cause)}")
    text.append("\n  fix:")
    for line in f.fix:
        text.append(f"\n    {clean(line)}", style="cyan")
    text.append(f"\n  docs:     {clean(f.docs)}\n")
    return text


SYMPTOM_EVIDENCE = 2  # lines of evidence shown per symptom (the root's findings show all theirs)


def incident_text(incident: Incident) -> Any:
    """One finding alone as its block; several under their root, the symptoms indented below it."""
    from rich.text import Text

    groups = incident.groups
    if len(groups) == 1 and len(groups[0].objects) == 1:
        return finding_text(groups[0].finding)
    text = Text()
    severity = incident.severity
    text.append(f"{severity.value.upper():<8}", style=f"bold {severity.colour}")
    text.append("incident  ", style="bold")
    text.append(clean(f"{incident.context}  root {incident.root}  ({incident.size} findings)") + "\n")
    if not incident.causes:  # the root has no finding of its own: its first symptom speaks for it
        text.append("  evidence:")
        for line in incident.lead.evidence:
            text.append(f"\n    {clean(line)}")
        text.append(f"\n  cause:    {clean(incident.lead.cause)}")
        text.append("\n  fix:")
        for line in incident.fix:
            text.append(f"\n    {clean(line)}", style="cyan")
        text.append("\n")
    for group in incident.causes:
        text.append_text(_indented(finding_text(group.finding), "  "))
        text.append("\n")
        if len(group.objects) > 1:
            text.append(clean(f"  on {len(group.objects)} objects: {_objects(group)}") + "\n")
    if incident.symptoms:
        text.append(clean(f"  symptoms (caused by {incident.root}):") + "\n")
    for group in incident.symptoms:
        f = group.finding
        text.append(f"    {f.severity.value.upper():<8}", style=f.severity.colour)
        text.append(f"{f.check}  ", style="bold")
        text.append(f"{clean(_objects(group))}\n")
        text.append(f"      symptom:  {clean(f.symptom)}\n")
        for index, line in enumerate(f.evidence[:SYMPTOM_EVIDENCE]):
            text.append(f"      {'evidence:' if index == 0 else '         '} {clean(line)}\n")
        text.append(f"      cause:    {clean(f.cause)}\n")
    return text


def _objects(group: Group) -> str:
    return named([str(o) for o in group.objects])


def _indented(block: Any, prefix: str) -> Any:
    from rich.text import Text

    lines = block.split("\n")
    out = Text()
    for index, line in enumerate(lines):
        if index:
            out.append("\n")
        if line.plain:
            out.append(prefix)
        out.append_text(line)
    return out


def not_run_lines(diagnosis: Diagnosis) -> list[str]:
    """One line per context with checks that could not run, naming them and what they could not read."""
    by_context: dict[str, list[str]] = {}
    unread: dict[str, set[str]] = {}
    for n in diagnosis.not_run:
        by_context.setdefault(n.context, []).append(n.check)
        unread.setdefault(n.context, set()).update(n.unread)
    return [
        f"could not run on {context} ({', '.join(sorted(unread[context]))} unread): "
        f"{len(checks)} check{'s' if len(checks) != 1 else ''}: {', '.join(checks)}"
        for context, checks in by_context.items()
    ]


def summary_text(diagnosis: Diagnosis) -> Any:
    """The last line. "no problems found" only when every check ran on everything it needs."""
    from rich.text import Text

    counts = {s: diagnosis.count(s) for s in Severity}
    where = ", ".join(diagnosis.contexts)
    ran = len(diagnosis.checks) * len(diagnosis.contexts) - len(diagnosis.not_run)
    blind = f"; {len(diagnosis.not_run)} could not run" if diagnosis.not_run else ""
    if not diagnosis.findings and diagnosis.complete:
        return Text(f"no problems found: {len(diagnosis.checks)} checks on {where}", style="green")
    if not diagnosis.findings:
        return Text(f"nothing found by the {ran} checks that ran on {where}{blind}: not a clean bill", style="bold red")
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    worst = next(s for s in Severity if counts[s])
    style = f"bold {worst.colour}" if diagnosis.complete else "bold red"
    return Text(f"{', '.join(parts)}: {len(diagnosis.checks)} checks on {where}{blind}", style=style)


def announce_text(context: str, remedy: Remedy, dry_run: bool) -> str:
    """What --fix says before it patches (stderr): the action, the object and the kubectl equivalent."""
    verb = "would apply" if dry_run else "applying"
    return f"{verb} {remedy.action} to {remedy.ref} in {context}: {remedy.command}"
