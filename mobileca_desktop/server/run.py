"""Running the CA server: in a background thread (tests, ``mobileca demo``) or as
``mobileca-ca serve`` (one process, or several uvicorn workers that each open the engine
from the same database; the settings reach the workers through one environment variable).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.engine import make_url

from mobileca_desktop.asgi_deadlines import Deadlines
from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.ca.secrets import KeyringSecret, PassphraseFileSecret, SecretSource
from mobileca_desktop.ca.store import Store
from mobileca_desktop.domain import errors as E
from mobileca_desktop.http_deadlines import apply as apply_deadlines
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.ratelimit import RateLimits

log = logging.getLogger("mobileca_desktop.server")

SETTINGS_ENV = "MOBILECA_SERVE_SETTINGS"
DEFAULT_PORT = 8470


# --- a server in a thread -------------------------------------------------------------------


class ThreadedServer:
    """uvicorn on a loopback port in a daemon thread; ``url`` once started."""

    def __init__(
        self,
        app,
        host: str = "127.0.0.1",
        port: int = 0,
        deadlines: Deadlines | None = None,
        **ssl_options,
    ) -> None:
        # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY on accepted connections only
        # for such sockets, and without it every answer waits ~40 ms for a delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        scheme = "https" if ssl_options.get("ssl_certfile") else "http"
        self.url = f"{scheme}://{host}:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # The app decides which proxies it trusts (server.ratelimit); uvicorn's own
            # default would take X-Forwarded-For from any local peer as the client address.
            proxy_headers=False,
            **ssl_options,
        )
        # Slow clients: header and body deadlines (http_deadlines; the app's own are in
        # ServerConfig.deadlines).
        self._server = uvicorn.Server(apply_deadlines(config, deadlines))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self, timeout: float = 20.0) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the CA server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- mobileca-ca serve --------------------------------------------------------------------------


@dataclass
class ServeSettings:
    """Everything a worker needs to open the engine and build the app (JSON-serialisable)."""

    db_url: str
    data_dir: str
    public_url: str
    passphrase_file: str | None = None
    demo: bool = False
    operator_token: str | None = None
    cheap_passwords: bool = False  # tests only
    tls_institution: str | None = None
    rate_limits: bool = True
    decode_slots: int | None = None  # None: EngineConfig's default
    password_slots: int | None = None  # None: ServerConfig's default
    login_in_flight: int | None = None  # None: RateLimits' default

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServeSettings:
        raw = os.environ.get(SETTINGS_ENV)
        if not raw:
            raise E.ConfigurationError(reason=f"{SETTINGS_ENV} is not set")
        return cls(**json.loads(raw))


def secret_for(settings: ServeSettings) -> SecretSource:
    if settings.passphrase_file:
        return PassphraseFileSecret(Path(settings.passphrase_file))
    return KeyringSecret(Path(settings.data_dir))


def open_engine(settings: ServeSettings, *, background_pool: bool = True) -> CAEngine:
    config = EngineConfig(public_url=settings.public_url, kmc_background=background_pool)
    if settings.decode_slots is not None:
        config.decode_slots = settings.decode_slots
    if settings.cheap_passwords:
        config.passwords = CHEAP_PASSWORDS
    return CAEngine(Store(settings.db_url), secret_for(settings), config)


def server_config(settings: ServeSettings, engine: CAEngine) -> ServerConfig:
    limits = RateLimits() if settings.rate_limits else RateLimits.unlimited()
    if settings.rate_limits and settings.login_in_flight is not None:
        limits = dataclasses.replace(limits, login_in_flight=settings.login_in_flight)
    config = ServerConfig(
        demo=settings.demo,
        limits=limits,
        shared_limits=settings.rate_limits,  # --no-rate-limits: no buckets to share
        tls_institution=settings.tls_institution,
    )
    if settings.password_slots is not None:
        config.password_slots = settings.password_slots
    if settings.demo and settings.operator_token:
        engine.adopt_operator_token(settings.operator_token)
        config.operator_token = settings.operator_token
    return config


def app_from_environment():
    """uvicorn's factory for worker processes (``--workers N``)."""
    settings = ServeSettings.from_env()
    engine = open_engine(settings)
    return create_app(engine, server_config(settings, engine))


@dataclass
class TlsFiles:
    certfile: Path
    keyfile: Path
    password: str
    root_fingerprint: str
    root_pem: bytes
    folder: Path = field(repr=False, default=Path())


def make_tls(engine: CAEngine, institution_id: str, host: str) -> TlsFiles:
    """A fresh key and a server certificate from the engine's TLS profile. The key is
    written encrypted (the password stays in memory) to a private temporary folder."""
    key = ec.generate_private_key(ec.SECP256R1())
    hostnames, ips = ["localhost"], ["127.0.0.1"]
    try:
        ipaddress.ip_address(host)
        if host not in ips:
            ips.append(host)
    except ValueError:
        if host not in hostnames:
            hostnames.append(host)
    pem = engine.issue_service_certificate(
        engine.operator_session(),
        role="tls",
        institution_id=institution_id,
        public_key_pem=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        name="mobileca-ca",
        hostnames=hostnames,
        ip_addresses=ips,
    )
    chain = x509.load_pem_x509_certificates(engine.chain_pem(institution_id).encode())
    folder = Path(tempfile.mkdtemp(prefix="mobileca-tls-"))
    password = secrets.token_urlsafe(24)
    keyfile = folder / "server.key"
    certfile = folder / "server.crt"
    try:
        keyfile.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(password.encode()),
            )
        )
        keyfile.chmod(0o600)
        certfile.write_text(pem + chain[0].public_bytes(serialization.Encoding.PEM).decode())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    root = chain[-1]
    return TlsFiles(
        certfile=certfile,
        keyfile=keyfile,
        password=password,
        root_fingerprint=root.fingerprint(hashes.SHA256()).hex(),
        root_pem=root.public_bytes(serialization.Encoding.PEM),
        folder=folder,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def colon_hex(hex_text: str) -> str:
    return ":".join(hex_text[i : i + 2] for i in range(0, len(hex_text), 2)).upper()


@contextmanager
def prepared(settings: ServeSettings, *, tls: bool, host: str) -> Iterator[tuple[dict, list]]:
    """Opens the engine once in the parent (creating the CA in an empty database), makes
    the TLS files, and yields uvicorn's SSL options and the start-up log lines."""
    engine = open_engine(settings, background_pool=False)
    lines: list[str] = []
    ssl_options: dict = {}
    tls_files: TlsFiles | None = None
    try:
        institutions = engine.institutions()
        if tls:
            inst = settings.tls_institution or institutions[0].id
            settings.tls_institution = inst
            tls_files = make_tls(engine, inst, host)
            ssl_options = {
                "ssl_certfile": str(tls_files.certfile),
                "ssl_keyfile": str(tls_files.keyfile),
                "ssl_keyfile_password": tls_files.password,
            }
            lines.append(
                f"TLS: server certificate from {inst}; clients pin its root with "
                f"--ca-root-sha256 and this fingerprint (the root itself: GET /ca/tls-root.crt):"
            )
            lines.append(f"  root SHA-256 {colon_hex(tls_files.root_fingerprint)}")
        for i in institutions:
            lines.append(f"institution {i.id}: root SHA-256 {colon_hex(i.root_fingerprint_sha256)}")
        if settings.demo:
            settings.operator_token = settings.operator_token or (
                "operator:" + secrets.token_urlsafe(24)
            )
            lines.append(
                "DEMO MODE: the simulated phones (/api/v1/demo/inbox) and the demo clock "
                "(/api/v1/demo/clock) are served; never use --demo for a real CA."
            )
            lines.append(f"demo operator token (keep it to the trainer): {settings.operator_token}")
        else:
            lines.append("demo endpoints (inbox, clock) are off; start with --demo for training")
        lines.append(f"started {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
    except BaseException:
        _remove_tls_files(tls_files)
        raise
    finally:
        engine.close()
    try:
        yield ssl_options, lines
    finally:
        _remove_tls_files(tls_files)


def _remove_tls_files(tls_files: TlsFiles | None) -> None:
    if tls_files is not None:
        shutil.rmtree(tls_files.folder, ignore_errors=True)


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket for uvicorn. uvicorn's own (for ``--workers``) is made
    without naming IPPROTO_TCP, so asyncio leaves Nagle on and answers wait ~40 ms."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise E.ConfigurationError(reason=reason) from None
    sock.set_inheritable(True)
    return sock


class _Terminated(Exception):
    """SIGTERM reached the serving process."""


def _raise_terminated(signum, frame) -> None:
    raise _Terminated()


def run(settings: ServeSettings, *, host: str, port: int, tls: bool, workers: int) -> None:
    """Blocks until the server stops (Ctrl-C or SIGTERM), then removes the TLS key folder.

    uvicorn shuts down gracefully on SIGTERM and then raises the signal again with the
    handler it found installed; with the default one the process died there, before the
    ``prepared`` block could delete the key. Our handler turns it into an exception that
    unwinds through that block instead (also when SIGTERM comes before uvicorn starts).
    """
    from uvicorn.supervisors import Multiprocess

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    sock = listen_socket(host, port)
    try:
        with prepared(settings, tls=tls, host=host) as (ssl_options, lines):
            scheme = "https" if tls else "http"
            print(f"mobileca-ca serving {scheme}://{host}:{port} ({workers} worker(s))", flush=True)
            shown = make_url(settings.db_url).render_as_string(hide_password=True)
            print(f"database: {shown}", flush=True)
            for line in lines:
                print(line, flush=True)
            os.environ[SETTINGS_ENV] = settings.to_env()
            config = uvicorn.Config(
                "mobileca_desktop.server.run:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="info",
                access_log=False,
                lifespan="off",
                proxy_headers=False,  # the per-address limits must see the TCP peer
                **ssl_options,
            )
            apply_deadlines(config)  # slow clients (http_deadlines)
            if workers > 1:
                Multiprocess(config, sockets=[sock]).run()
            else:
                config.load_app()
                uvicorn.Server(config).run(sockets=[sock])
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        sock.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
