"""Which key file is the current one: the keyring entry names it, so an older copy is refused.

A key file restored from before a recovery (or a password change) is whole and its MAC is
good: only the keyring can tell it is not the file this device wrote last. The entry's
``files`` maps a certificate id to ``{"mac": <MAC of the current key file>}``, plus
``"next": <MAC of the file being written>`` while a write is in progress (see "The keyring
entry" in ``docs/keystore-format.md``). A write stages ``next``, replaces the file, then
commits; a kill between any two steps leaves a file the entry accepts, and the next open
settles the record. These functions only edit the entry; the caller holds the profile's lock
and saves the entry when told to.
"""

from __future__ import annotations

from typing import Any

from mobileca_desktop.domain.errors import KeyFileOutdated

FILES = "files"


def _records(entry: dict[str, Any]) -> dict[str, Any]:
    files = entry.get(FILES)
    if not isinstance(files, dict):
        files = entry[FILES] = {}
    return files


def _record(entry: dict[str, Any], certificate_id: int) -> dict[str, Any]:
    record = _records(entry).get(str(certificate_id))
    return dict(record) if isinstance(record, dict) else {}


def stage(
    entry: dict[str, Any],
    certificate_id: int,
    mac: str,
    *,
    reset_tries: bool = False,
    serial_hex: str | None = None,
) -> None:
    """Before the key file is replaced: the file about to be written is accepted too.
    ``reset_tries``: the write starts the counter again (a new activation's keys and
    password), so settling a write whose commit was lost resets it as the commit would.
    ``serial_hex``: the new file's device certificate, recorded with it at the commit."""
    record = _record(entry, certificate_id)
    record["next"] = mac
    record.pop("reset_tries", None)
    record.pop("next_serial", None)
    if reset_tries:
        record["reset_tries"] = True
    if serial_hex:
        record["next_serial"] = serial_hex
    _records(entry)[str(certificate_id)] = record


def commit(
    entry: dict[str, Any], certificate_id: int, mac: str, serial_hex: str | None = None
) -> None:
    """After the key file was replaced: only the new file is accepted. ``serial_hex``: its
    device certificate, what a new download replacing the file revokes (``serial``)."""
    record: dict[str, Any] = {"mac": mac}
    if serial_hex:
        record["serial"] = serial_hex
    _records(entry)[str(certificate_id)] = record


def serial(entry: dict[str, Any], certificate_id: int) -> str | None:
    """The device certificate serial of the current key file, as recorded at its write;
    None for a file written by an earlier release. Known even when the file is damaged or an
    older copy took its place, so a new download can name the certificate it replaces."""
    value = _record(entry, certificate_id).get("serial")
    return value if isinstance(value, str) and value else None


def check(
    entry: dict[str, Any], certificate_id: int, mac: str, serial_hex: str | None = None
) -> bool:
    """Whether the key file whose (verified) MAC is ``mac`` is the current one; True when the
    entry was changed and must be saved: the staged file landed (a kill before the commit),
    the staged one did not (a kill before the replace), or the entry named no file or no
    serial yet (a keystore of an earlier release: the file found now, and ``serial_hex``, its
    device certificate, are recorded). ``KeyFileOutdated`` for any other file: an older copy,
    refused before any password is tried."""
    record = _record(entry, certificate_id)
    current, staged = record.get("mac"), record.get("next")
    if mac == current:
        known = serial_hex or record.get("serial")
        if staged is None and known == record.get("serial"):
            return False
        commit(entry, certificate_id, mac, known)
        return True
    if mac == staged or not isinstance(current, str):
        commit(entry, certificate_id, mac, serial_hex or record.get("next_serial"))
        if mac == staged and record.get("reset_tries") is True:
            tries = entry.get("tries")
            if isinstance(tries, dict):
                tries.pop(str(certificate_id), None)
        return True
    raise KeyFileOutdated(certificate=certificate_id)
