"""Kubernetes resource quantities: parse to integers (millicores, bytes) and print them back."""

from __future__ import annotations

import re

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")


def _split(value: object) -> tuple[float, str]:
    match = _QUANTITY.fullmatch(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a Kubernetes quantity")
    return float(match.group(1)), match.group(2) or ""


def millicores(value: object) -> int:
    """'250m' -> 250, '1.5' -> 1500."""
    number, suffix = _split(value)
    if suffix == "m":
        return round(number)
    if suffix:
        raise ValueError(f"{value!r} is not a CPU quantity")
    return round(number * 1000)


def bytes_of(value: object) -> int:
    """'256Mi' -> 268435456, '1G' -> 10**9."""
    number, suffix = _split(value)
    if suffix == "m":
        raise ValueError(f"{value!r} is not a memory quantity")
    return round(number * _BINARY.get(suffix, _DECIMAL.get(suffix, 1)))


def format_cpu(milli: int) -> str:
    return f"{milli}m"


def format_memory(size: int) -> str:
    """In Mi where it divides evenly (the unit the tier table and `kubectl top` use), else Ki or bytes."""
    for suffix in ("Mi", "Ki"):
        if size % _BINARY[suffix] == 0:
            return f"{size // _BINARY[suffix]}{suffix}"
    return str(size)
