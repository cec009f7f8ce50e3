"""Canonical JSON: the one encoding that signatures, MACs and hashes are computed over.

Compact (no spaces), keys sorted, UTF-8. Two variants exist because data was already signed
and stored with each, and a signature or MAC over the other variant would no longer match:

- ``ascii=False``: non-ASCII characters as themselves (UTF-8). The scan protocol's payloads
  and bindings, the e-business licence, the audit chain and the application's digest.
- ``ascii=True``: non-ASCII characters as ``\\uXXXX`` escapes (the bytes are ASCII). The
  keystore files' MAC and associated data.

The caller names its variant every time; tests/test_canonical_json.py pins each caller's
bytes.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(obj: Any, *, ascii: bool) -> bytes:
    """``obj`` as compact, key-sorted JSON bytes (UTF-8; pure ASCII when ``ascii``)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii)
    return text.encode("utf-8")
