"""Starting the platform simulator: in a background thread (tests, ``mobileca demo``) or in
the foreground (``mobileca-platform serve``).

The platform's signing key lives in ``data_dir`` (``platform-key.pem``, mode 0600: a service
key, like a web server's TLS key). Its certificate comes from the CA engine's platform
profile with the platform's origin in the URI SAN; it is issued again whenever the origin
changes (a new port), it is not valid at the CA's clock, or the CA no longer vouches for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.asgi_deadlines import Deadlines
from mobileca_desktop.crypto import scanproto
from mobileca_desktop.http_deadlines import apply as apply_deadlines
from mobileca_desktop.platform.app import create_app
from mobileca_desktop.platform.core import Platform
from mobileca_desktop.platform.requesters import AddressPolicy, ScanPolicy
from mobileca_desktop.platform.trust import (
    CertificateChecker,
    EngineTrust,
    Refusal,
    RemoteTrust,
    TrustSource,
)

log = logging.getLogger("mobileca_desktop.platform")

DEFAULT_NAME = "山西省公共资源交易平台（模拟）"
DEFAULT_ID = "sxggzy-sim"
KEY_FILE = "platform-key.pem"
CERT_FILE = "platform-cert.pem"


class PlatformSetupError(Exception):
    """The platform cannot start (no certificate in remote mode, bad settings)."""


@dataclass
class PlatformConfig:
    data_dir: Path
    engine: object | None = None  # an open CAEngine (in-process trust and issuance)
    ca_url: str | None = None  # or a remote CA (mobileca-ca serve)
    host: str = "127.0.0.1"
    port: int = 0
    platform_id: str = DEFAULT_ID
    name: str = DEFAULT_NAME
    # The CA institutions whose certificates this platform accepts (None: all of the CA's).
    accepted_institutions: frozenset[str] | None = None
    # The institution that issues the platform's own signing certificate (default: the first).
    issuer_institution: str | None = None
    # 扫码登录 against relayed codes (docs/scan-protocol.md §9): a code the client read from
    # its own screen or clipboard logs in only a browser at the client's address. Behind a
    # proxy or NAT: name the proxies whose X-Forwarded-For is believed (addresses or
    # networks), or relax the rule (the client's warning stays).
    trusted_proxies: tuple[str, ...] = ()
    require_same_address: bool = True
    # Live 扫码登录 sessions (made without a login) per requesting address and in total.
    max_pending_per_address: int = 8
    max_pending_per_network: int = 32  # IPv4 /24, IPv6 /64 (netprefix)
    max_pending_total: int = 1000  # when reached, the most crowded network makes room
    # How slowly a client may send its request (asgi_deadlines, http_deadlines).
    deadlines: Deadlines = field(default_factory=Deadlines)


def _load_or_make_key(data_dir: Path) -> ec.EllipticCurvePrivateKey:
    path = data_dir / KEY_FILE
    if path.is_file():
        key = serialization.load_pem_private_key(path.read_bytes(), None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key
        raise PlatformSetupError(f"{KEY_FILE} is not an EC P-256 key")
    key = ec.generate_private_key(ec.SECP256R1())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    tmp.replace(path)
    return key


def _uri_san(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return san.get_values_for_type(x509.UniformResourceIdentifier)


def _usable(
    cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, origin: str, trust: TrustSource
) -> bool:
    if cert.public_key() != key.public_key() or _uri_san(cert) != [origin]:
        return False
    now = trust.now()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc - dt.timedelta(days=1):
        return False
    try:
        CertificateChecker(trust).authority_for(cert)
    except Refusal:
        return False
    return True


def issue_certificate(
    engine, key: ec.EllipticCurvePrivateKey, *, origin: str, name: str, institution: str | None
) -> x509.Certificate:
    """The platform signing certificate from the engine's platform profile (as operator)."""
    inst = institution or engine.institutions()[0].id
    pem = engine.issue_service_certificate(
        engine.operator_session(),
        role="platform",
        institution_id=inst,
        public_key_pem=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        name=name,
        origin=origin,
    )
    return x509.load_pem_x509_certificate(pem.encode())


def certify(
    data_dir: Path, engine, *, origin: str, name: str = DEFAULT_NAME, institution=None
) -> x509.Certificate:
    """Key (kept) and a fresh certificate for ``origin`` written to ``data_dir``."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    scanproto.check_origin(origin)
    key = _load_or_make_key(data_dir)
    cert = issue_certificate(engine, key, origin=origin, name=name, institution=institution)
    (data_dir / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def _certificate(config: PlatformConfig, trust: TrustSource, key, origin: str):
    path = config.data_dir / CERT_FILE
    if path.is_file():
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        if _usable(cert, key, origin, trust):
            return cert
    if config.engine is None:
        raise PlatformSetupError(
            f"no usable platform certificate for {origin} in {config.data_dir}: with a remote CA "
            "run `mobileca-platform certify --data-dir D --ca-data-dir CA --origin "
            f"{origin}` on the CA's machine first (and serve on that fixed port)"
        )
    cert = issue_certificate(
        config.engine, key, origin=origin, name=config.name, institution=config.issuer_institution
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def build(config: PlatformConfig, origin: str) -> Platform:
    if (config.engine is None) == (config.ca_url is None):
        raise PlatformSetupError("give exactly one of engine (a local CA) or ca_url")
    config.data_dir = Path(config.data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if config.engine is not None:
        trust: TrustSource = EngineTrust(config.engine)
    else:
        assert config.ca_url is not None  # exactly one of the two, checked above
        trust = RemoteTrust(config.ca_url)
    key = _load_or_make_key(config.data_dir)
    cert = _certificate(config, trust, key, origin)
    platform = Platform(
        data_dir=config.data_dir,
        trust=trust,
        key=key,
        certificate=cert,
        platform_id=config.platform_id,
        name=config.name,
        origin=origin,
        accepted_institutions=config.accepted_institutions,
        policy=ScanPolicy(
            require_same_address=config.require_same_address,
            max_pending_per_address=config.max_pending_per_address,
            max_pending_per_network=config.max_pending_per_network,
            max_pending_total=config.max_pending_total,
            addresses=AddressPolicy.of(config.trusted_proxies),
        ),
    )
    return platform


class RunningPlatform:
    """A platform served by uvicorn in a daemon thread on loopback."""

    def __init__(self, platform: Platform, server: uvicorn.Server, thread, sock) -> None:
        self.platform = platform
        self._server = server
        self._thread = thread
        self._sock = sock

    @property
    def url(self) -> str:
        return self.platform.origin

    @property
    def origin(self) -> str:
        return self.platform.origin

    @property
    def platform_id(self) -> str:
        return self.platform.platform_id

    @property
    def name(self) -> str:
        return self.platform.name

    @property
    def certificate_pem(self) -> str:
        return self.platform.certificate_pem

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        self.platform.trust.close()

    def __enter__(self) -> RunningPlatform:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP named so asyncio sets TCP_NODELAY on accepted sockets (no delayed-ACK wait).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _origin(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def _deadlines(config: PlatformConfig) -> Deadlines:
    """The configured deadlines; the trusted proxies' connections are not counted per
    network (they carry many clients', which the proxy bounds)."""
    return dataclasses.replace(config.deadlines, uncounted=tuple(config.trusted_proxies))


def start_platform(config: PlatformConfig, timeout: float = 20.0) -> RunningPlatform:
    """Binds ``host:port`` (0: any free port), gets the certificate for that origin and
    serves the platform in a background thread."""
    if not scanproto.is_loopback_host(config.host):
        raise PlatformSetupError("the simulator serves plain HTTP on loopback only")
    sock = _bind(config.host, config.port)
    try:
        origin = _origin(config.host, sock.getsockname()[1])
        platform = build(config, origin)
        server = uvicorn.Server(
            apply_deadlines(
                uvicorn.Config(
                    create_app(platform, config.deadlines),
                    log_level="warning",
                    access_log=False,
                    lifespan="off",
                    # requesters.AddressPolicy decides which proxies it trusts; uvicorn's
                    # default would take X-Forwarded-For from any local peer.
                    proxy_headers=False,
                ),
                _deadlines(config),
            )
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise PlatformSetupError("the platform server did not start")
            time.sleep(0.01)
    except BaseException:
        sock.close()
        raise
    return RunningPlatform(platform, server, thread, sock)


def serve_forever(config: PlatformConfig) -> None:
    """Foreground serving for ``mobileca-platform serve`` (Ctrl+C stops)."""
    if not scanproto.is_loopback_host(config.host):
        raise PlatformSetupError("the simulator serves plain HTTP on loopback only")
    sock = _bind(config.host, config.port)
    origin = _origin(config.host, sock.getsockname()[1])
    platform = build(config, origin)
    print(f"{platform.name}: {origin}/  (platform id {platform.platform_id})", flush=True)
    print(f"trust it in the client from {origin}/.well-known/mobileca-platform", flush=True)
    server = uvicorn.Server(
        apply_deadlines(
            uvicorn.Config(
                create_app(platform, config.deadlines),
                log_level="info",
                lifespan="off",
                proxy_headers=False,
            ),
            _deadlines(config),
        )
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        platform.trust.close()
