"""``mobileca-ca audit``: verify the audit log's hash chain (without the CA's secret) and
show its latest entries.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from mobileca_desktop.ca.clock import format_display
from mobileca_desktop.ca.store import Store
from mobileca_desktop.cacli.common import (
    DB_FILENAME,
    not_initialised,
    open_engine,
    print_json,
    safe_url,
)
from mobileca_desktop.domain import errors as E

# --- audit --------------------------------------------------------------------------------


@contextmanager
def _audit_store(args: argparse.Namespace) -> Iterator[Store]:
    """The CA's database for reading its audit log: ``--db URL`` (e.g. the PostgreSQL CA of
    ``serve --db``) or the data folder's SQLite file. Needs no CA secret: an auditor can
    check the chain without the keys."""
    url = getattr(args, "db", None)
    if url is None and not (args.data_dir / DB_FILENAME).is_file():
        raise not_initialised(args.data_dir)
    where = safe_url(url) if url else str(args.data_dir)
    try:
        # create=False: an empty database is "no CA", not a new one made for the auditor.
        store = Store(url, create=False) if url else Store.for_folder(args.data_dir)
    except (OSError, SQLAlchemyError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        reason = f"cannot open the CA database {where}: {detail}"
        raise E.ConfigurationError(reason=reason) from None
    try:
        try:
            initialised = store.is_initialised()
        except SQLAlchemyError as exc:
            raise E.ConfigurationError(
                reason=f"cannot read the CA database {where}: {type(exc).__name__}"
            ) from None
        if not initialised:
            raise E.ConfigurationError(reason=f"no CA in {where}")
        yield store
    finally:
        store.dispose()


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _audit_store(args) as store:
        count, bad = store.verify_audit_chain()
    if args.json:
        print_json({"entries": count, "intact": bad is None, "first_bad_entry": bad})
    elif bad is None:
        print(f"{count} entries, chain intact / 审计日志完整")
    else:
        print(
            f"审计日志被篡改 / audit chain broken at entry {bad} "
            f"(the first bad entry; {count} entries checked)"
        )
    return 0 if bad is None else 1


def cmd_audit_tail(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        entries = list(reversed(engine.audit_tail(args.n)))
    if args.json:
        print_json(entries)
        return 0
    for a in entries:
        details = json.dumps(a.details, ensure_ascii=False, sort_keys=True) if a.details else ""
        print(f"#{a.id} {format_display(a.at)} {a.actor} {a.action} {a.object} {details}".rstrip())
    return 0
