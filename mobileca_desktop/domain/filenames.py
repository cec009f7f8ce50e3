"""File names that came from outside (an applicant's upload, a platform's document), made
safe to store, show and save on every OS.

``clean_filename`` keeps only the last path part whether the sender used ``/`` or ``\\``,
drops control characters (CR/LF included), Unicode format characters (bidi overrides such
as U+202E that make ``invoice‮fdp.exe`` look like a PDF, zero-width characters), replaces
characters Windows forbids, refuses ``.`` / ``..`` and Windows device names, trims the dots
and spaces Windows strips, and bounds the length (keeping the extension).
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 120
_FORBIDDEN = set('<>:"/\\|?*')
_WINDOWS_DEVICES = {
    "CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
    *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
    "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³",
}  # fmt: skip


def clean_filename(name: object, fallback: str = "file") -> str:
    """A name safe on Windows, macOS and Linux and harmless to show; ``fallback`` when
    nothing usable is left (``fallback`` itself must be a clean name)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue  # control, format (bidi, zero-width), surrogate, private, unassigned
        if ch in _FORBIDDEN:
            kept.append("_")
        elif category.startswith("Z"):
            kept.append(" ")  # every kind of space shows as a plain one
        else:
            kept.append(ch)
    text = " ".join("".join(kept).split())
    text = text.strip(" .")  # Windows drops trailing dots and spaces; leading dots hide files
    if len(text) > MAX_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: MAX_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:MAX_LENGTH].rstrip(" .")
    if not text or text.split(".", 1)[0].upper().rstrip(" ") in _WINDOWS_DEVICES:
        return fallback
    return text
