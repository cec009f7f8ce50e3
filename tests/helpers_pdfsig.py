"""poppler's ``pdfsig`` as an outside validator of a sealed PDF, trusting one root through a
throw-away NSS database. Offline (the CA stopped) it runs with ``-no-ocsp``: pdfsig reads
neither the DSS nor document time-stamps and would ask the OCSP responder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def nss_trusting(folder: Path, root: x509.Certificate) -> Path:
    """A new NSS database under ``folder`` that trusts ``root``. Skips the caller when
    poppler or NSS tools are missing (fails on CI, which installs them)."""
    if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
        if os.environ.get("CI"):
            pytest.fail("pdfsig and certutil are missing (scripts/bootstrap.sh installs them)")
        pytest.skip("poppler-utils and libnss3-tools are needed for the pdfsig half")
    nss = folder / "nss"
    nss.mkdir()
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    assert _run("certutil", "-N", "-d", f"sql:{nss}", "--empty-password").returncode == 0
    added = _run(
        "certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i",
        str(folder / "root.pem"),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return nss


def pdfsig(nss: Path, pdf: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return _run("pdfsig", *flags, "-nssdir", f"sql:{nss}", str(pdf))


def pdfsig_valid_and_trusted(folder: Path, root: x509.Certificate, pdf: bytes) -> str:
    """Offline: checks that pdfsig finds the first signature valid and its certificate
    trusted; returns pdfsig's whole report."""
    nss = nss_trusting(folder, root)
    (folder / "checked.pdf").write_bytes(pdf)
    out = pdfsig(nss, folder / "checked.pdf", "-no-ocsp")
    first = out.stdout.split("Signature #2")[0]
    assert "Signature is Valid" in first, out.stdout + out.stderr
    assert "Certificate is Trusted" in first, out.stdout + out.stderr
    return out.stdout


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)
