"""What the platform trusts and how it checks a certificate, as a relying party would.

Trust roots, issuing CAs, OCSP and the clock come from the CA: in process from an open
``CAEngine`` (``EngineTrust``) or over HTTP from ``mobileca-ca serve`` (``RemoteTrust``). The
issuing CAs are pinned from that source, never taken from what a client sends, so a chain a
client posts is only used to pick which pinned CA issued its certificate.

Every refusal is a ``Refusal`` with a stable ``code`` and a Chinese ``message`` the page shows.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mobileca_desktop.ca import subject as subjects
from mobileca_desktop.crypto import oids

_DER = serialization.Encoding.DER
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
OCSP_SKEW = dt.timedelta(minutes=5)
# The agent's grant id in an agent's device certificate (the CA engine's private OID).
GRANT_EXTENSION_OID = oids.GRANT_EXTENSION

_REVOCATION_TEXT = {
    x509.ReasonFlags.superseded: "证书已被更新或变更取代",
    x509.ReasonFlags.key_compromise: "密钥泄露",
    x509.ReasonFlags.cessation_of_operation: "停止使用",
    x509.ReasonFlags.affiliation_changed: "授权已撤回或到期",
    x509.ReasonFlags.unspecified: "未说明原因",
}


class Refusal(Exception):
    """The platform refuses an answer or a request; ``message`` is shown on the page."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def to_dict(self) -> dict:
        return {"ok": False, "code": self.code, "message": self.message}


def shanghai(value: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai (DESIGN.md's display format)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Authority:
    """One CA institution as pinned from the CA: its root and its issuing CA."""

    institution_id: str
    name: str
    root: x509.Certificate
    issuing: x509.Certificate


class TrustSource(ABC):
    """Trust roots, OCSP and the clock of one CA."""

    @abstractmethod
    def authorities(self) -> list[Authority]: ...

    @abstractmethod
    def ocsp(self, institution_id: str, request_der: bytes) -> bytes: ...

    @abstractmethod
    def now(self) -> dt.datetime: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


def _authority(inst_id: str, name: str, chain_pem: str) -> Authority:
    certs = x509.load_pem_x509_certificates(chain_pem.encode())
    return Authority(inst_id, name, root=certs[-1], issuing=certs[0])


class EngineTrust(TrustSource):
    """An open ``CAEngine`` in this process (tests, ``mobileca demo``, ``--ca-data-dir``)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._cache: list[Authority] | None = None
        self._lock = threading.Lock()

    def authorities(self) -> list[Authority]:
        with self._lock:
            if self._cache is None:
                self._cache = [
                    _authority(i.id, i.name, self.engine.chain_pem(i.id))
                    for i in self.engine.institutions()
                ]
            return self._cache

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes:
        return self.engine.ocsp(institution_id, request_der)

    def now(self) -> dt.datetime:
        return self.engine.clock.now()


class RemoteTrust(TrustSource):
    """``mobileca-ca serve`` at ``ca_url``: chains from its API, OCSP at ``/ocsp/<id>``, and
    its demo clock when it serves one (else this machine's clock)."""

    API = "/api/v1"

    def __init__(self, ca_url: str, timeout: float = 10.0) -> None:
        self.ca_url = ca_url.rstrip("/")
        self._http = httpx.Client(base_url=self.ca_url, timeout=timeout)
        self._cache: list[Authority] | None = None
        self._lock = threading.Lock()
        self._offset: tuple[float, dt.timedelta] | None = None

    def _get(self, path: str) -> httpx.Response:
        try:
            response = self._http.get(path)
        except httpx.HTTPError as exc:
            raise Refusal(
                "ca_unavailable", f"无法连接 CA 服务（{self.ca_url}）：{exc}", status=503
            ) from exc
        return response

    def authorities(self) -> list[Authority]:
        with self._lock:
            if self._cache is None:
                response = self._get(f"{self.API}/institutions")
                if response.status_code != 200:
                    raise Refusal("ca_unavailable", "CA 服务未返回机构列表", status=503)
                out = []
                for inst in response.json():
                    chain = self._get(f"{self.API}/institutions/{inst['id']}/chain")
                    if chain.status_code != 200:
                        raise Refusal("ca_unavailable", "CA 服务未返回证书链", status=503)
                    out.append(_authority(inst["id"], inst["name"], chain.json()["pem"]))
                self._cache = out
            return self._cache

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes:
        try:
            response = self._http.post(
                f"/ocsp/{institution_id}",
                content=request_der,
                headers={"Content-Type": "application/ocsp-request"},
            )
        except httpx.HTTPError as exc:
            raise Refusal("ocsp_unavailable", f"无法查询证书状态（OCSP）：{exc}", 503) from exc
        return response.content

    def now(self) -> dt.datetime:
        real = dt.datetime.now(dt.UTC)
        cached = self._offset
        if cached is None or time.monotonic() - cached[0] > 1.0:
            offset = dt.timedelta(0)
            try:
                response = self._http.get(f"{self.API}/demo/clock")
                if response.status_code == 200:
                    offset = dt.timedelta(seconds=int(response.json()["offset_seconds"]))
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                offset = cached[1] if cached else dt.timedelta(0)
            cached = (time.monotonic(), offset)
            self._offset = cached
        return real + cached[1]

    def refresh(self) -> None:
        """Forget the cached roots and clock offset (read again on next use)."""
        with self._lock:
            self._cache = None
        self._offset = None

    def close(self) -> None:
        self._http.close()


# --- who a certificate names ---------------------------------------------------------------


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


@dataclass(frozen=True)
class Subject:
    """The company or person a certificate speaks for, and the agent acting, if any."""

    key: str  # "org:<统一社会信用代码>" or "person:<serialNumber>": who must act
    kind: str  # unit / legal_rep / personal
    name: str  # the company (unit, legal_rep) or the person
    person: str | None  # the legal person's name on a 法人数字证书
    uscc: str | None
    agent: str | None  # 经办人 on an agent's device certificate
    grant_id: str | None

    @property
    def display(self) -> str:
        """What the page shows: the company, the person, or "经办人 X 代表 Y"."""
        base = self.name if self.kind != "legal_rep" else f"{self.name}（法定代表人 {self.person}）"
        if self.agent:
            return f"经办人 {self.agent} 代表 {base}"
        return base


def subject_of(cert: x509.Certificate) -> Subject:
    """Who ``cert`` speaks for, with the full registered names (a long company name is
    shortened in the subject and whole in the CA's full-names extension)."""
    name = cert.subject
    try:
        full = subjects.full_names(cert)
    except (ValueError, UnicodeDecodeError):
        raise Refusal("unknown_subject", "证书主体名称扩展无法读取，本平台不接受") from None
    uscc = _attr(name, NameOID.ORGANIZATION_IDENTIFIER)
    org = full.get(NameOID.ORGANIZATION_NAME)
    cn = full.get(NameOID.COMMON_NAME) or ""
    agent = full.get(NameOID.PSEUDONYM)
    grant = None
    ext = oids.find_extension(cert, oids.GRANT_EXTENSION_OIDS)
    if ext is not None and isinstance(ext.value, x509.UnrecognizedExtension):
        grant = ext.value.value[2:].decode("utf-8", "replace")
    if uscc:
        kind = "unit" if cn == org else "legal_rep"
        return Subject(
            f"org:{uscc}", kind, org or cn, None if kind == "unit" else cn, uscc, agent, grant
        )
    serial = _attr(name, NameOID.SERIAL_NUMBER)
    if serial:
        return Subject(f"person:{serial}", "personal", cn, None, None, agent, grant)
    raise Refusal("unknown_subject", "证书主体既不是单位也不是个人，本平台不接受")


# --- checking a certificate ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckedCertificate:
    cert: x509.Certificate
    authority: Authority
    subject: Subject
    ocsp_der: bytes  # the good OCSP response (fed to pyHanko's validation too)


class CertificateChecker:
    """Chain to a pinned issuing CA, validity at the CA's clock, key usage, OCSP good.

    ``accepted`` limits the CA institutions this platform accepts (None: all of the CA's).
    """

    def __init__(self, trust: TrustSource, accepted: frozenset[str] | None = None) -> None:
        self.trust = trust
        self.accepted = accepted

    def authority_for(self, cert: x509.Certificate) -> Authority:
        for auth in self.trust.authorities():
            if cert.issuer != auth.issuing.subject:
                continue
            try:
                cert.verify_directly_issued_by(auth.issuing)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return auth
        raise Refusal("untrusted_chain", "证书不是由本平台信任的 CA 签发的（证书链校验失败）")

    def check(
        self,
        cert: x509.Certificate,
        *,
        purpose: str = "sign",
        now: dt.datetime | None = None,
        live_status: bool = True,
    ) -> CheckedCertificate:
        """Raises ``Refusal`` unless ``cert`` is trusted, in its validity period at the CA's
        clock (or at ``now``), fit for ``purpose`` (``sign`` or ``encrypt``) and good in OCSP.

        ``live_status=False`` skips the OCSP query: for a time-stamped seal the status at the
        signing time comes from the document's own revocation data (``ltvcheck``)."""
        auth = self.authority_for(cert)
        if self.accepted is not None and auth.institution_id not in self.accepted:
            raise Refusal(
                "wrong_institution",
                f"本平台不接受“{auth.name}”签发的证书（不在认可的 CA 机构范围内）",
            )
        now = now or self.trust.now()
        for c, label in ((auth.root, "根证书"), (auth.issuing, "签发 CA 证书"), (cert, "证书")):
            if now < c.not_valid_before_utc:
                raise Refusal(
                    "not_yet_valid",
                    f"{label}尚未生效（生效时间 {shanghai(c.not_valid_before_utc)}）",
                )
            if now > c.not_valid_after_utc:
                raise Refusal(
                    "expired", f"{label}已过期（有效期至 {shanghai(c.not_valid_after_utc)}）"
                )
        self._check_usage(cert, purpose)
        subject = subject_of(cert)
        der = self._ocsp_good(cert, auth, now, subject) if live_status else b""
        return CheckedCertificate(cert, auth, subject, der)

    @staticmethod
    def _check_usage(cert: x509.Certificate, purpose: str) -> None:
        try:
            ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            ku = None
        if purpose == "sign":
            ok = (
                ku is not None
                and ku.digital_signature
                and isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
            )
            try:
                eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
                ok = ok and ExtendedKeyUsageOID.CLIENT_AUTH in eku
            except x509.ExtensionNotFound:
                ok = False
            if not ok:
                raise Refusal("key_usage", "该证书不是设备签名证书，不能用于登录或签名")
        else:
            if ku is None or not ku.key_encipherment:
                raise Refusal("key_usage", "该证书不是加密证书，不能用于加密投标文件")

    def _ocsp_good(
        self, cert: x509.Certificate, auth: Authority, now: dt.datetime, subject: Subject
    ) -> bytes:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, auth.issuing, hashes.SHA256())
            .build()
            .public_bytes(_DER)
        )
        der = self.trust.ocsp(auth.institution_id, request)
        try:
            response = ocsp.load_der_ocsp_response(der)
        except ValueError as exc:
            raise Refusal("ocsp_unavailable", "证书状态查询（OCSP）的应答无法解析") from exc
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise Refusal(
                "ocsp_unavailable",
                f"证书状态查询（OCSP）失败：{response.response_status.name}",
            )
        _verify_ocsp_signature(response, auth)
        if response.serial_number != cert.serial_number:
            raise Refusal("ocsp_unavailable", "OCSP 应答与所查证书不符")
        if response.this_update_utc > now + OCSP_SKEW or (
            response.next_update_utc is not None and response.next_update_utc < now - OCSP_SKEW
        ):
            raise Refusal("ocsp_unavailable", "OCSP 应答不在有效期内")
        status = response.certificate_status
        if status == ocsp.OCSPCertStatus.REVOKED:
            revoked_at = response.revocation_time_utc
            assert revoked_at is not None  # cryptography: always set when REVOKED
            reason = response.revocation_reason
            text = _REVOCATION_TEXT.get(reason, "") if reason else ""
            if subject.agent and reason == x509.ReasonFlags.affiliation_changed:
                raise Refusal(
                    "grant_withdrawn",
                    f"经办人 {subject.agent} 的授权已撤回或到期，其设备证书已吊销"
                    f"（吊销时间 {shanghai(revoked_at)}）",
                )
            when = shanghai(revoked_at)
            raise Refusal("revoked", f"证书已吊销（{text or '已吊销'}，吊销时间 {when}）")
        if status != ocsp.OCSPCertStatus.GOOD:
            raise Refusal("ocsp_unknown", "CA 不认识此证书（OCSP 状态未知）")
        return der


def _verify_ocsp_signature(response: ocsp.OCSPResponse, auth: Authority) -> None:
    """The response is signed by the issuing CA or by a responder it delegated to."""
    candidates = [auth.issuing]
    for responder in response.certificates:
        try:
            responder.verify_directly_issued_by(auth.issuing)
            eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            continue
        if x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in eku:
            candidates.append(responder)
    algorithm = response.signature_hash_algorithm
    if algorithm is None:  # Ed25519/Ed448: no CA of this system signs with those
        raise Refusal("ocsp_unavailable", "OCSP 应答的签名无效")
    for signer in candidates:
        key = signer.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        except InvalidSignature:
            continue
        return
    raise Refusal("ocsp_unavailable", "OCSP 应答的签名无效")
