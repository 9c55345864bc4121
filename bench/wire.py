"""A TCP proxy in front of the test API server: counts what clients receive, and can speak TLS.

    with WireProxy(("127.0.0.1", kube.port), tls=True) as wire:
        wire.url, wire.ca_pem          # where clients connect; the CA to trust (TLS only)
        before = wire.received          # bytes sent to clients so far (HTTP, after TLS)

Both sides of a benchmark connect through it, so both pay the same TLS handshakes and copies. Loopback
only; the certificate is made here for 127.0.0.1 and lives in memory and a temporary file.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
import tempfile
import threading
from pathlib import Path


def self_signed() -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for 127.0.0.1, valid one day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class WireProxy:
    def __init__(self, upstream: tuple[str, int], *, tls: bool = False) -> None:
        self.upstream = upstream
        self.tls = tls
        self.ca_pem = b""
        self.url = ""
        self.received = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="wire-proxy", daemon=True)

    def __enter__(self) -> WireProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("the proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        context = None
        if self.tls:
            cert, key = self_signed()
            self.ca_pem = cert
            with tempfile.TemporaryDirectory() as folder:
                (Path(folder) / "c.pem").write_bytes(cert)
                (Path(folder) / "k.pem").write_bytes(key)
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(Path(folder) / "c.pem", Path(folder) / "k.pem")
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer, False), self._pipe(up_reader, writer, True))

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
        try:
            while data := await src.read(1 << 16):
                if count:
                    with self._lock:
                        self.received += len(data)
                dst.write(data)
                await dst.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(ConnectionError, RuntimeError):
                dst.close()
