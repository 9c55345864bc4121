"""A local AWS for tests: moto's server over real HTTP, with injectable error answers.

boto3 reaches it through AWS_ENDPOINT_URL, as it would any endpoint; nothing inside boto3 is patched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.server import DomainDispatcherApplication, MotoRequestHandler, ThreadedMotoServer, create_backend_app
from werkzeug.serving import make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class _Fault:
    code: str
    message: str
    status: int
    times: int


@dataclass
class MotoServer:
    """moto's server on 127.0.0.1 with a queue of error answers (AWS's query-protocol XML shape)."""

    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)  # (target or action, path)
    _faults: list[_Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, code: str, message: str, status: int = 400, times: int = 1) -> None:
        with self._lock:
            self._faults.append(_Fault(code, message, status, times))

    def app(self, inner: Callable[[Environ, StartResponse], Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def wrapped(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            target = environ.get("HTTP_X_AMZ_TARGET", "") or environ.get("QUERY_STRING", "")
            self.requests.append((target, environ.get("PATH_INFO", "")))
            with self._lock:
                fault = self._faults[0] if self._faults else None
                if fault is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.pop(0)
            if fault is None:
                return inner(environ, start_response)
            # JSON services (a JSON body, or REST-JSON ones like EKS that GET /clusters/...) get JSON errors
            # with the code in x-amzn-ErrorType; query services (STS) get XML.
            rest = environ.get("PATH_INFO", "/") not in ("", "/")
            json_protocol = "json" in environ.get("CONTENT_TYPE", "") or rest
            headers: list[tuple[str, str]] = []
            if json_protocol:
                body = f'{{"__type": "{fault.code}", "message": "{fault.message}"}}'.encode()
                ctype = "application/x-amz-json-1.1"
                headers.append(("x-amzn-ErrorType", fault.code))
            else:
                body = (
                    f"<ErrorResponse><Error><Type>Sender</Type><Code>{fault.code}</Code>"
                    f"<Message>{fault.message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
                ).encode()
                ctype = "text/xml"
            start_response(
                f"{fault.status} Error", [("Content-Type", ctype), ("Content-Length", str(len(body))), *headers]
            )
            return [body]

        return wrapped


class _Server(ThreadedMotoServer):
    def __init__(self, state: MotoServer) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.state = state

    def _server_entry(self) -> None:
        app = self.state.app(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@pytest.fixture(scope="session")
def _moto_process_server() -> Iterator[tuple[_Server, MotoServer]]:
    state = MotoServer()
    server = _Server(state)
    server.start()
    host, port = server.get_host_and_port()
    state.url = f"http://{host}:{port}"
    yield server, state
    server.stop()


@pytest.fixture
def moto_server(
    _moto_process_server: tuple[_Server, MotoServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> Iterator[MotoServer]:
    """A clean AWS (state reset) reached through AWS_ENDPOINT_URL, with test credentials."""
    import urllib.request

    _, state = _moto_process_server
    urllib.request.urlopen(urllib.request.Request(f"{state.url}/moto-api/reset", method="POST")).read()
    state.requests.clear()
    state._faults.clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL", state.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/aws-config-none")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/aws-credentials-none")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    yield state
