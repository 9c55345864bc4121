"""Text from the cluster or AWS, made safe to print on a terminal.

Anyone who can write an Event, a condition message or a log line controls that text: an escape
sequence in it could retitle the window, clear the screen or move the cursor to print a fake "all
good". `clean()` removes escape sequences (CSI, OSC, and the C1 forms) and every other control
character, and turns line breaks and tabs into spaces, so one value stays on its line. JSON output
needs none of this: `json.dumps` escapes control characters itself.

    clean("ok\\x1b]0;pwned\\x07\\x1b[2J")   # "ok"
"""

from __future__ import annotations

import re

# ESC [ ... final | ESC ] ... (BEL | ESC \\) | ESC P/X/^/_ ... ESC \\ | a two-byte ESC sequence | C1 CSI
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = {"\t": " ", "\n": " ", "\r": " "}


def clean(text: object) -> str:
    """`text` as a string without escape sequences or control characters (line breaks become spaces)."""
    value = _ESCAPE.sub("", str(text))
    return _CONTROL.sub(lambda m: _SPACES.get(m.group(), ""), value)


def clean_lines(text: object) -> str:
    """As `clean`, keeping line breaks (for multi-line messages printed as they are)."""
    return "\n".join(clean(line) for line in str(text).split("\n"))
