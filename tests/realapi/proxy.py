"""A plain-HTTP relay on 127.0.0.1 in front of the real API server, that can act between two requests.

Used to play a concurrent writer deterministically: `before` runs just before a matching request is
relayed (e.g. someone edits the object between the toolkit's read and its write).

    with Relay(api.url, api.creds.ca) as relay:
        relay.before("PATCH", "/datadogstacks/production", lambda: api.admin.request(...))
        ... a kubeconfig context whose server is relay.url ...
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import urllib3

_FORWARDED = ("authorization", "content-type", "accept", "user-agent")


class Relay:
    def __init__(self, upstream: str, ca: Path) -> None:
        self.upstream = upstream
        self.pool = urllib3.PoolManager(ca_certs=str(ca), retries=False, maxsize=8)
        self.requests: list[tuple[str, str]] = []
        self._hooks: list[tuple[str, str, Callable[[], object]]] = []
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                relay._run_hooks(self.command, self.path)
                relay.requests.append((self.command, self.path))
                headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED}
                answer = relay.pool.request(
                    self.command, relay.upstream + self.path, body=body, headers=headers, preload_content=True
                )
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.data)))
                self.end_headers()
                self.wfile.write(answer.data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def before(self, method: str, path_part: str, action: Callable[[], object]) -> None:
        """Run `action` once, before the first `method` request whose path contains `path_part`."""
        with self._lock:
            self._hooks.append((method, path_part, action))

    def _run_hooks(self, method: str, path: str) -> None:
        with self._lock:
            due = [h for h in self._hooks if h[0] == method and h[1] in path]
            for hook in due:
                self._hooks.remove(hook)
        for _, _, action in due:
            action()

    def __enter__(self) -> Relay:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
