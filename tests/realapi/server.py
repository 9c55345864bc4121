"""A real kube-apiserver and etcd on 127.0.0.1 for the `realapi` test tier (and the benchmark).

    binaries = built_binaries()          # tests/realapi/build.sh: cached, or built, or Unavailable
    with RealApiServer(binaries, Path("/dev/shm/x")) as api:
        api.kubeconfig                   # contexts: admin (token), admin-cert (client cert), narrow (token)
        api.admin.get("/readyz")         # a small HTTP client with the admin's client certificate

Everything is made per start: a CA, the serving certificate, client certificates, a token file,
the service-account key; ports are free ones picked at start. The processes run in their own
process groups and `stop()` ends exactly those. No controller, scheduler or kubelet runs: nothing
changes by itself, so tests create objects and write their `/status` as the controllers would.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3
import yaml

HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "build.sh"
CANNOT_BUILD = 3  # build.sh's exit code when this machine cannot build it
READY_DEADLINE = 90.0
ADMIN, NARROW = "kratix-ops-admin", "kratix-ops-narrow"
CONTEXTS = ("admin", "admin-cert", "narrow")

Json = dict[str, Any]


class Unavailable(Exception):
    """The binaries cannot be had on this machine (the reason is the message)."""


@dataclass(frozen=True)
class Binaries:
    apiserver: Path
    etcd: Path
    build_seconds: float  # 0 when they came from the cache


def built_binaries() -> Binaries:
    """The cached binaries, built first when missing; Unavailable when this machine cannot build them.

    KRATIX_OPS_APISERVER_BIN names a folder with `kube-apiserver` and `etcd` to use instead.
    """
    if given := os.environ.get("KRATIX_OPS_APISERVER_BIN"):
        return Binaries(Path(given) / "kube-apiserver", Path(given) / "etcd", 0.0)
    started = time.monotonic()
    proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, check=False)
    if proc.returncode == CANNOT_BUILD:
        raise Unavailable(proc.stderr.strip().splitlines()[-1])
    if proc.returncode != 0:
        raise RuntimeError(f"{BUILD_SCRIPT} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    bin_dir = Path(proc.stdout.strip().splitlines()[-1])
    cached = "cached:" in proc.stderr
    return Binaries(bin_dir / "kube-apiserver", bin_dir / "etcd", 0.0 if cached else time.monotonic() - started)


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now (held open together so that they differ)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


# credentials ---------------------------------------------------------------------------------------
def _pem_key(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _certificate(
    subject: Mapping[str, str],
    key: Any,
    issuer: tuple[Any, Any] | None,
    *,
    server: bool = False,
) -> Any:
    """An X.509 certificate for `key`, signed by issuer (certificate, key) or self-signed as a CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    oids = {"CN": NameOID.COMMON_NAME, "O": NameOID.ORGANIZATION_NAME}
    name = x509.Name([x509.NameAttribute(oids[k], v) for k, v in subject.items()])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    elif server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


@dataclass(frozen=True)
class Credentials:
    ca: Path
    serving_cert: Path
    serving_key: Path
    admin_cert: Path
    admin_key: Path
    sa_key: Path
    sa_pub: Path
    tokens_file: Path
    admin_token: str
    narrow_token: str


def make_credentials(folder: Path) -> Credentials:
    """CA, serving and admin client certificates (EC P-256: fast), service-account key, token file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        path.chmod(0o600)
        return path

    def pem(cert: Any) -> bytes:
        return bytes(cert.public_bytes(serialization.Encoding.PEM))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate({"CN": "kratix-ops-test-ca"}, ca_key, None)
    serving_key = ec.generate_private_key(ec.SECP256R1())
    serving = _certificate({"CN": "kube-apiserver"}, serving_key, (ca, ca_key), server=True)
    admin_key = ec.generate_private_key(ec.SECP256R1())
    admin = _certificate({"CN": ADMIN, "O": "system:masters"}, admin_key, (ca, ca_key))
    sa_key = ec.generate_private_key(ec.SECP256R1())
    sa_pub = sa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    admin_token, narrow_token = secrets.token_hex(16), secrets.token_hex(16)
    tokens = f'{admin_token},{ADMIN},uid-admin,"system:masters"\n{narrow_token},{NARROW},uid-narrow\n'
    return Credentials(
        ca=write("ca.crt", pem(ca)),
        serving_cert=write("apiserver.crt", pem(serving)),
        serving_key=write("apiserver.key", _pem_key(serving_key)),
        admin_cert=write("admin.crt", pem(admin)),
        admin_key=write("admin.key", _pem_key(admin_key)),
        sa_key=write("sa.key", _pem_key(sa_key)),
        sa_pub=write("sa.pub", sa_pub),
        tokens_file=write("tokens.csv", tokens.encode()),
        admin_token=admin_token,
        narrow_token=narrow_token,
    )


def kubeconfig_document(server: str, creds: Credentials) -> Json:
    """Contexts `admin` (bearer token), `admin-cert` (client certificate), `narrow` (the unprivileged user)."""
    users = {
        "admin": {"token": creds.admin_token},
        "admin-cert": {"client-certificate": str(creds.admin_cert), "client-key": str(creds.admin_key)},
        "narrow": {"token": creds.narrow_token},
    }
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "real", "cluster": {"server": server, "certificate-authority": str(creds.ca)}}],
        "users": [{"name": name, "user": user} for name, user in users.items()],
        "contexts": [{"name": name, "context": {"cluster": "real", "user": name}} for name in users],
        "current-context": "admin",
        "preferences": {},
    }


# a small HTTP client for seeding and checks (the toolkit itself uses the `kubernetes` client) -------
class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path}: {status} {body[:500]}")
        self.status = status
        self.body = body


class Http:
    """JSON over the API server's TLS port as one user (client certificate or bearer token)."""

    def __init__(self, url: str, ca: Path, *, cert: tuple[Path, Path] | None = None, token: str | None = None) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        cert_file, key_file = (str(cert[0]), str(cert[1])) if cert else (None, None)
        self.pool = urllib3.PoolManager(
            num_pools=2, maxsize=32, ca_certs=str(ca), cert_file=cert_file, key_file=key_file, retries=False
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        ok: Iterable[int] = (),
    ) -> Json:
        headers = {**self.headers, "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body).encode()
        answer = self.pool.request(method, self.url + path, body=data, headers=headers, timeout=30.0)
        text = answer.data.decode()
        if answer.status >= 400 and answer.status not in set(ok):
            raise ApiError(method, path, answer.status, text)
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = {"raw": text}
        parsed.setdefault("_status", answer.status) if isinstance(parsed, dict) else None
        return parsed if isinstance(parsed, dict) else {"items": parsed}

    def get(self, path: str, **kwargs: Any) -> Json:
        return self.request("GET", path, **kwargs)


# the processes -------------------------------------------------------------------------------------
class RealApiServer:
    """etcd and kube-apiserver on free 127.0.0.1 ports, state under `state`; a context manager."""

    def __init__(self, binaries: Binaries, state: Path) -> None:
        self.binaries = binaries
        self.state = state
        self.processes: list[subprocess.Popen[bytes]] = []
        self.ready_seconds = 0.0
        self.url = ""

    def start(self) -> RealApiServer:
        started = time.monotonic()
        self.state.mkdir(parents=True, exist_ok=True)
        logs = self.state / "logs"
        logs.mkdir(exist_ok=True)
        self.creds = make_credentials(self.state / "certs")
        etcd_port, peer_port, port = free_ports(3)
        etcd_url, peer_url = f"http://127.0.0.1:{etcd_port}", f"http://127.0.0.1:{peer_port}"
        self._spawn(
            "etcd",
            [
                str(self.binaries.etcd),
                "--name=realapi",
                f"--data-dir={self.state / 'etcd'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=realapi={peer_url}",
                "--initial-cluster-state=new",
                "--quota-backend-bytes=4294967296",
            ],
        )
        c = self.creds
        self._spawn(
            "kube-apiserver",
            [
                str(self.binaries.apiserver),
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--etcd-servers={etcd_url}",
                f"--tls-cert-file={c.serving_cert}",
                f"--tls-private-key-file={c.serving_key}",
                f"--client-ca-file={c.ca}",
                f"--token-auth-file={c.tokens_file}",
                "--service-account-issuer=https://kubernetes.default.svc",
                f"--service-account-key-file={c.sa_pub}",
                f"--service-account-signing-key-file={c.sa_key}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--authorization-mode=RBAC",
                "--anonymous-auth=false",
                "--enable-priority-and-fairness=false",
                # The `kubernetes` Service's endpoint lease would be rewritten every 10 s: with it off,
                # nothing writes unless a test does (the tests read "no write" from the global revision).
                "--endpoint-reconciler-type=none",
                # No controller manager creates a namespace's `default` ServiceAccount, which this
                # admission plugin would require of every pod.
                "--disable-admission-plugins=ServiceAccount",
                f"--cert-dir={self.state / 'generated-certs'}",
            ],
        )
        self.url = f"https://127.0.0.1:{port}"
        self.kubeconfig = self.state / "kubeconfig.yaml"
        self.kubeconfig.write_text(yaml.safe_dump(kubeconfig_document(self.url, c), sort_keys=False))
        self.admin = Http(self.url, c.ca, cert=(c.admin_cert, c.admin_key))
        self._wait_ready(started)
        return self

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.state / "logs" / f"{name}.log").open("wb")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.state)}
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        log.close()
        self.processes.append(proc)

    def _wait_ready(self, started: float) -> None:
        deadline = started + READY_DEADLINE
        last = "no answer yet"
        while time.monotonic() < deadline:
            for proc in self.processes:
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{self.log_tails()}")
            try:
                answer = self.admin.pool.request("GET", self.url + "/readyz", timeout=2.0)
                if answer.status == 200:
                    self.ready_seconds = time.monotonic() - started
                    return
                last = f"{answer.status} {answer.data.decode()[-300:]}"
            except urllib3.exceptions.HTTPError as err:
                last = type(err).__name__
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"kube-apiserver not ready within {READY_DEADLINE:.0f} s ({last}):\n{self.log_tails()}")

    def log_tails(self, lines: int = 15) -> str:
        out = []
        for log in sorted((self.state / "logs").glob("*.log")):
            out.append(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(out)

    def stop(self) -> None:
        """SIGTERM to each process group this object started (apiserver first), SIGKILL after 10 s."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self.processes.clear()

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def __enter__(self) -> RealApiServer:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()
        shutil.rmtree(self.state, ignore_errors=True)
