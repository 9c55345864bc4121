"""Raw reads: JSON straight from the API server's bytes, paged lists, log tails.

The one place (with `objects.py`) that talks HTTP to the API server. Bodies are parsed strictly: an
answer that is not a JSON object of the expected shape raises `GarbledAnswer`, never an empty result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from ops.kube.errors import ApiCall, GarbledAnswer

if TYPE_CHECKING:
    from ops.kube.client import Kube

Json = dict[str, Any]
PAGE_SIZE = 500  # items per list request: memory stays bounded at any size, as kubectl's chunking does


def _send(kube: Kube, path: str, query: list[tuple[str, str]], accept: str) -> bytes:
    response = kube.api_client.call_api(
        path,
        "GET",
        query_params=query,
        header_params={"Accept": accept},
        auth_settings=["BearerToken"],
        _return_http_data_only=True,
        _preload_content=False,
    )
    return bytes(response.data)


def parse_object(kube: Kube, call: ApiCall, raw: bytes | str) -> Json:
    """A JSON object from the bytes of an answer, or GarbledAnswer.

    orjson parses the bytes as they came, in half the time of `json` (a list answer is megabytes)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        if isinstance(raw, bytes):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                raise GarbledAnswer(call, kube.server, f"{len(raw)} bytes that are not UTF-8") from None
        raise GarbledAnswer(call, kube.server, f"{len(raw)} bytes that do not parse: {err}") from None
    if not isinstance(data, dict):
        raise GarbledAnswer(call, kube.server, f"a JSON {type(data).__name__}, not an object")
    return data


def get_json(kube: Kube, call: ApiCall, path: str, query: list[tuple[str, str]] | None = None) -> Json:
    """GET a path; the JSON body as a dict (parsed straight from the bytes, no model classes)."""
    return kube.call(call, lambda: parse_object(kube, call, _send(kube, path, query or [], "application/json")))


def list_json(
    kube: Kube,
    call: ApiCall,
    path: str,
    query: list[tuple[str, str]] | None = None,
    *,
    page_size: int = PAGE_SIZE,
    each: Callable[[Json], Json | None] | None = None,
) -> list[Json]:
    """Every item of a list, page by page (`limit`/`continue`); a page without `items` is garbled.

    `each` sees every item as its page arrives and returns what to keep of it (a trimmed copy, the
    item itself) or None to drop it: the page is let go before the next one is read.
    """
    items: list[Json] = []
    token = ""
    while True:
        page_query = [*(query or []), ("limit", str(page_size))] + ([("continue", token)] if token else [])
        body = get_json(kube, call, path, page_query)
        if "items" not in body:
            raise GarbledAnswer(call, kube.server, "a list answer without items")
        page = body["items"]
        if page is None:
            page = ()  # Go encodes an empty slice as null in some versions
        if not isinstance(page, list) or not all(isinstance(i, dict) for i in page):
            raise GarbledAnswer(call, kube.server, "a list whose items are not objects")
        if each is None:
            items.extend(page)
        else:
            items.extend(kept for item in page if (kept := each(item)) is not None)
        token = str((body.get("metadata") or {}).get("continue") or "")
        del body, page
        if not token:
            return items


def log_tail(
    kube: Kube, namespace: str, pod: str, container: str, lines: int, *, previous: bool = False
) -> tuple[str, ...]:
    """The last `lines` non-blank lines a container printed (its previous run's with `previous`)."""
    path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}/log"
    query = [("container", container), ("tailLines", str(lines))]
    if previous:
        query.append(("previous", "true"))
    text = kube.call(
        ApiCall("get", "", "Pod/log", namespace, pod),
        lambda: _send(kube, path, query, "text/plain").decode("utf-8", errors="replace"),
    )
    return tuple(line for line in text.splitlines() if line.strip())[-lines:]
