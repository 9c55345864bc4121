"""JSON output: the same data json.dumps gives, rows one to a line, written as it is encoded."""

from __future__ import annotations

import io
import json

from rich.console import Console

from ops.render.console import write_json

DATA = {
    "contexts": [
        {
            "context": "prod",
            "nodes": {"ready": 2, "total": 3, "error": None},
            "items": [{"name": "a\u00e9", "ready": True, "restarts": 0}, {"name": 'b"\n', "ready": False}],
            "empty": [],
            "none": {},
            "evidence": ["line 1", "line 2"],
        }
    ],
    "pair": (1, 2.5),
}


def test_json_output_is_the_data_with_each_row_on_one_line() -> None:
    out = Console(file=io.StringIO())
    write_json(out, DATA)
    text = out.file.getvalue()

    assert json.loads(text) == json.loads(json.dumps(DATA))
    assert text.endswith("}\n")
    lines = text.splitlines()
    assert '        {"name": "a\\u00e9", "ready": true, "restarts": 0},' in lines
    assert '        "line 1",' in lines  # lists of plain values: one value a line, as indent=2 writes them
