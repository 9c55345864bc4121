"""Renderers for `invoke status`: a table per section (kubectl's plain style) or one JSON document.

The JSON document (README "invoke status"):

    {"contexts": [{"context": "kind-a", "server": "...", "version": "v1.32.0",
                   "nodes": {"ready": 3, "total": 3}, "error": null,
                   "sections": {"helmReleases": {"kind": "HelmRelease", "group": "helm.toolkit.fluxcd.io",
                                                 "installed": true, "error": null, "total": null,
                                                 "items": [{"context": "kind-a", "namespace": ..., ...}]}}}]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ops.incident.status import ClusterStatus, PlatformStatus, Section
from ops.render.console import write_json
from ops.render.safe_text import clean

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ops.render.console import Consoles

# Value words and their colours, as the tools they come from colour them.
_GOOD = {"True", "Synced", "Healthy", "Available", "Reconciled", "SecretSynced", "Ready"}
_BAD = {"False", "Degraded", "Missing", "Unavailable", "Failing", "SecretSyncedError", "OutOfSync"}
_STATUS_KEYS = {"ready", "sync", "health", "status"}


def status_data(status: PlatformStatus) -> dict[str, Any]:
    return {"contexts": [_cluster_data(c) for c in status.clusters]}


def _cluster_data(cluster: ClusterStatus) -> dict[str, Any]:
    return {
        "context": cluster.context,
        "server": cluster.server or None,
        "version": cluster.version,
        "nodes": (
            {"ready": None, "total": None, "error": cluster.nodes_error}
            if cluster.nodes_error
            else {"ready": cluster.nodes_ready, "total": cluster.nodes_total}
        ),
        "error": cluster.error,
        "sections": {
            s.key: {
                "title": s.title,
                "kind": s.kind,
                "group": s.group,
                "installed": s.installed,
                "error": s.error,
                "total": s.total,
                "items": list(s.rows),
            }
            for s in cluster.sections
        },
    }


def render_status(status: PlatformStatus, output: str, consoles: Consoles) -> None:
    if output == "json":
        # Written as is: rich's JSON highlighter takes seconds on the megabytes of a large platform.
        write_json(consoles.out, status_data(status))
        consoles.out.file.flush()
        return
    for renderable in status_tables(status):
        consoles.out.print(renderable, soft_wrap=True)


def status_tables(status: PlatformStatus) -> list[RenderableType]:
    """The table view: clusters first, then each section across every context."""
    from rich.text import Text

    several = len(status.clusters) > 1
    out: list[RenderableType] = [_clusters_table(status)]
    for index, first in enumerate(_first_sections(status)):
        sections = [(c.context, c.sections[index]) for c in status.clusters if c.sections]
        rows = [row for _, s in sections for row in s.rows]
        title = Text("\n")  # a blank line before each section, in a Group (--watch) as when printed
        title.append(first.title, style="bold")
        totals = [s.total for _, s in sections if s.total is not None]
        if totals:
            title.append(f" ({len(rows)} of {sum(totals)})", style="bold")
        out.append(title)
        for context, section in sections:
            where = f" in {context}" if several else ""
            if not section.installed:
                out.append(Text(f"not installed{where} ({section.kind}, {section.group or 'core'})", style="yellow"))
            elif section.error:
                out.append(Text(clean(f"could not be read{where}: {section.error}"), style="red"))
        if rows:
            out.append(_rows_table(first, rows, several))
        elif any(s.installed and not s.error for _, s in sections):
            out.append(Text("all ready" if totals else "none", style="dim"))
    return out


def _first_sections(status: PlatformStatus) -> tuple[Section, ...]:
    return next((c.sections for c in status.clusters if c.sections), ())


def _clusters_table(status: PlatformStatus) -> RenderableType:
    headers = ["CONTEXT", "SERVER", "VERSION", "NODES READY"]
    rows: list[list[tuple[str, str]]] = []
    for c in status.clusters:
        if c.error:
            rows.append([(c.context, ""), (clean(f"error: {c.error}"), "red"), ("-", ""), ("-", "")])
        elif c.nodes_error:
            nodes, style = clean(f"unknown: {c.nodes_error}"), "red"
            rows.append([(c.context, ""), (clean(c.server), ""), (clean(c.version or "-"), ""), (nodes, style)])
        else:
            nodes = f"{c.nodes_ready}/{c.nodes_total}"
            style = "green" if c.nodes_ready == c.nodes_total else "red"
            rows.append([(c.context, ""), (clean(c.server), ""), (clean(c.version or "-"), ""), (nodes, style)])
    return columns_text(headers, rows)


def _rows_table(section: Section, rows: list[Any], several: bool) -> RenderableType:
    columns = ((("CONTEXT", "context"),) if several else ()) + section.columns
    cells = [[(_cell(row.get(key)), _style(key, row.get(key))) for _, key in columns] for row in rows]
    return columns_text([header for header, _ in columns], cells)


GAP = "   "


def columns_text(headers: list[str], rows: list[list[tuple[str, str]]]) -> RenderableType:
    """Left-aligned columns as kubectl prints them (a rich Table takes seconds for thousands of rows)."""
    from rich.text import Text

    widths = [max([len(h), *(len(row[i][0]) for row in rows)]) for i, h in enumerate(headers)]
    text = Text(no_wrap=True, overflow="ignore", end="")
    text.append(GAP.join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), style="bold")
    for row in rows:
        text.append("\n")
        end = max((i for i, (value, _) in enumerate(row) if value), default=0)  # no trailing blanks
        for index, (value, style) in enumerate(row[: end + 1]):
            text.append(value if index == end else value.ljust(widths[index]), style=style or None)
            if index != end:
                text.append(GAP)
    return text


def _cell(value: Any) -> str:
    return "" if value is None else clean(value)


def _style(key: str, value: Any) -> str:
    if key not in _STATUS_KEYS:
        return ""
    if value in _GOOD:
        return "green"
    if value in _BAD:
        return "red"
    return "yellow" if value else ""
