"""poppler's ``pdfsig`` as an outside validator of a sealed PDF, trusting one root through a
throw-away NSS database. pdfsig reads neither the DSS nor document time-stamps and would ask
the (stopped) OCSP responder, so it runs with ``-no-ocsp``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def pdfsig_valid_and_trusted(folder: Path, root: x509.Certificate, pdf: bytes) -> str:
    """Checks that pdfsig finds the first signature valid and its certificate trusted;
    returns pdfsig's whole report. Skips the caller when poppler or NSS tools are missing."""
    if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
        pytest.skip("poppler-utils and libnss3-tools are needed for the pdfsig half")
    nss = folder / "nss"
    nss.mkdir()
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "checked.pdf").write_bytes(pdf)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, capture_output=True, text=True, timeout=60)

    assert run("certutil", "-N", "-d", f"sql:{nss}", "--empty-password").returncode == 0
    added = run(
        "certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i",
        str(folder / "root.pem"),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    out = run("pdfsig", "-no-ocsp", "-nssdir", f"sql:{nss}", str(folder / "checked.pdf"))
    first = out.stdout.split("Signature #2")[0]
    assert "Signature is Valid" in first, out.stdout + out.stderr
    assert "Certificate is Trusted" in first, out.stdout + out.stderr
    return out.stdout
