"""A fault-injecting HTTP proxy on 127.0.0.1, in front of the test API server (or any HTTP server).

Each request is matched against the rules (method and path prefix, first match wins); a matching
rule decides what the client gets instead of the upstream answer:

    with FaultProxy(kube.url) as proxy:                       # kube: tests.kube.emulator.EmulatorThread
        proxy.add("garble", path="/apis/platform.srekubecraft.io/v1alpha1/datadogstacks")
        proxy.add("status", path="/api/v1/pods", code=429, retry_after=1, times=2)
        ...                                                   # point a kubeconfig at proxy.url

Faults (`FAULTS`): `garble` (200, the upstream body with its JSON broken), `truncate` (the head
promises the whole body, half of it comes, then the connection closes), `stall` (the request is read,
no answer ever comes), `trickle` (200 and a head promising the body, then one byte every `every`
seconds), `reset` (the connection is closed with a TCP reset, no answer), `status` (`code`, a Status
body, `Retry-After: retry_after` when given), `html` (200, an HTML page, as a captive portal or a load
balancer's error page answers), `json` (200, `body` as the answer: valid JSON of the wrong shape).
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("garble", "truncate", "stall", "trickle", "reset", "status", "html", "json")
HTML_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@dataclass
class Rule:
    fault: str
    path: str = "/"  # a path prefix ("/" matches everything)
    method: str | None = None
    times: int | None = None  # None: every matching request
    code: int = 500
    retry_after: float | None = None
    every: float = 1.0  # trickle: seconds between bytes
    body: Any = None  # json: the answer
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method != self.method.upper():
            return False
        if not path.split("?", 1)[0].startswith(self.path):
            return False
        return self.times is None or self.hits < self.times


@dataclass
class _State:
    upstream: str
    rules: list[Rule] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, fault or "pass")
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def rule_for(self, method: str, path: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    self.log.append((method, path, rule.fault))
                    return rule
            self.log.append((method, path, "pass"))
            return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _any(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rule = state.rule_for(self.command, self.path)
        if rule is None:
            self._pass(body)
            return
        getattr(self, f"_fault_{rule.fault}")(rule, body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

    # upstream ----------------------------------------------------------------------------------
    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        target = urlsplit(self.server.state.upstream)
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
            headers["Accept-Encoding"] = "identity"
            conn.request(self.command, self.path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
            return answer.status, kept, data
        finally:
            conn.close()

    def _send(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _pass(self, body: bytes) -> None:
        self._send(*self._forward(body))

    # faults ------------------------------------------------------------------------------------
    def _fault_garble(self, rule: Rule, body: bytes) -> None:
        _, headers, data = self._forward(body)
        broken = b"\x00{garbled" + data[len(data) // 3 :]
        self._send(200, headers, broken)

    def _fault_truncate(self, rule: Rule, body: bytes) -> None:
        status, headers, data = self._forward(body)
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _fault_stall(self, rule: Rule, body: bytes) -> None:
        self.server.state.stopping.wait()
        self.close_connection = True

    def _fault_trickle(self, rule: Rule, body: bytes) -> None:
        _, _, data = self._forward(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.flush()
        for byte in data:
            if self.server.state.stopping.wait(rule.every):
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
        self.close_connection = True

    def _fault_reset(self, rule: Rule, body: bytes) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fault_status(self, rule: Rule, body: bytes) -> None:
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": f"injected {rule.code}",
            "reason": "TooManyRequests" if rule.code == 429 else "InternalError",
            "code": rule.code,
        }
        headers = [("Content-Type", "application/json")]
        if rule.retry_after is not None:
            headers.append(("Retry-After", f"{rule.retry_after:g}"))
        self._send(rule.code, headers, json.dumps(status).encode())

    def _fault_html(self, rule: Rule, body: bytes) -> None:
        self._send(200, [("Content-Type", "text/html")], HTML_PAGE)

    def _fault_json(self, rule: Rule, body: bytes) -> None:
        self._send(200, [("Content-Type", "application/json")], json.dumps(rule.body).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State


class FaultProxy:
    """The proxy, serving from daemon threads on 127.0.0.1 until the block ends."""

    def __init__(self, upstream: str) -> None:
        self.state = _State(upstream)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fault-proxy", daemon=True
        )

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def add(self, fault: str, *, path: str = "/", **options: Any) -> Rule:
        """Inject `fault` into matching requests (see the module doc); returns the rule (its `hits`)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        rule = Rule(fault, path, **options)
        with self.state.lock:
            self.state.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.state.lock:
            self.state.rules.clear()

    @property
    def log(self) -> list[tuple[str, str, str]]:
        with self.state.lock:
            return list(self.state.log)
