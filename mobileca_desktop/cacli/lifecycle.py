"""``mobileca-ca`` commands on the CA itself: ``init``, ``institutions``, ``export-chain``,
``upgrade`` and ``serve`` (the server itself lives in ``mobileca_desktop.server``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.store import Store
from mobileca_desktop.cacli.common import (
    CHEAP_PASSWORDS_ENV,
    DB_FILENAME,
    not_initialised,
    open_engine,
    print_json,
    safe_url,
    write_output,
)
from mobileca_desktop.domain import errors as E

# --- init, institutions, export-chain ------------------------------------------------------


def _institution_dicts(engine: CAEngine) -> list[dict[str, Any]]:
    return [
        {
            "id": i.id,
            "name": i.name,
            "short_name": i.short_name,
            "contact_phone": i.contact_phone,
            "contact_address": i.contact_address,
            "contact_url": i.contact_url,
            "root_fingerprint_sha256": i.root_fingerprint_sha256,
        }
        for i in engine.institutions()
    ]


def _print_institutions(items: list[dict[str, Any]]) -> None:
    for i in items:
        print(f"{i['id']:<5} {i['name']} ({i['short_name']})")
        print(f"      联系 contact: {i['contact_phone']} · {i['contact_address']}")
        print(f"      根证书 SHA-256 root: {i['root_fingerprint_sha256']}")


def cmd_init(args: argparse.Namespace) -> int:
    with open_engine(args, create=True) as engine:
        items = _institution_dicts(engine)
        secret = engine.secret_source.describe()
        created = args.created
    if args.json:
        print_json(
            {
                "data_dir": args.data_dir,
                "created": created,
                "secret_store": secret,
                "public_url": args.public_url,
                "institutions": items,
            }
        )
        return 0
    if created:
        print(f"已创建 CA / CA created in {args.data_dir}")
    else:
        print(f"CA 已存在 / CA already initialised in {args.data_dir}")
    print(f"密钥保护 / secret store: {secret}")
    print(f"公开地址 / public URL (CRL, OCSP): {args.public_url}")
    print("CA 机构 / institutions:")
    _print_institutions(items)
    return 0


def cmd_institutions(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        items = _institution_dicts(engine)
    if args.json:
        print_json(items)
    else:
        _print_institutions(items)
    return 0


def cmd_export_chain(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        pem = engine.chain_pem(args.institution)
    if args.output:
        write_output(args.output, pem.encode())
    if args.json:
        print_json({"institution": args.institution, "file": args.output, "chain_pem": pem})
    elif args.output:
        print(f"已导出 / wrote issuing CA + root of {args.institution} to {args.output}")
    else:
        sys.stdout.write(pem)
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Brings the CA database's schema to this release's (what opening it does anyway),
    explicitly: e.g. before starting several server workers. Needs no CA secret."""
    from mobileca_desktop.ca import schema

    url = getattr(args, "db", None)
    if url is None:
        if not (args.data_dir / DB_FILENAME).is_file():
            raise not_initialised(args.data_dir)
        where = str(args.data_dir / DB_FILENAME)
        url = f"sqlite:///{args.data_dir / DB_FILENAME}"
    else:
        where = safe_url(url)
    try:
        store = Store(url, create=False)
    except (OSError, SQLAlchemyError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        reason = f"cannot open the CA database {where}: {detail}"
        raise E.ConfigurationError(reason=reason) from None
    change = store.schema_change
    store.dispose()
    before = change.before if change else schema.HEAD
    data = {
        "database": where,
        "from": before,
        "to": schema.HEAD,
        "upgraded": change is not None and change.before != schema.HEAD,
        "stamped": bool(change and change.stamped),
        "backup": change.backup if change else None,
    }
    if args.json:
        print_json(data)
        return 0
    print(f"数据库 / database: {where}")
    if change is None:
        print(f"结构版本已是最新 / schema already at revision {schema.HEAD}")
        return 0
    if change.stamped:
        print(
            f"迁移功能之前的数据库，已标记为基线版本 / made before migrations: stamped at "
            f"the baseline {schema.BASELINE}"
        )
    if change.before is not None or schema.BASELINE != schema.HEAD:
        print(f"结构版本 / schema revision: {change.before or schema.BASELINE} → {schema.HEAD}")
    if change.backup is not None:
        print(f"升级前的副本 / copy kept before the upgrade: {change.backup}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Runs until Ctrl-C. Creates the CA in an empty database, like ``init``."""
    try:
        from mobileca_desktop.server import run as server_run
    except ImportError as exc:  # FastAPI and uvicorn are the [server] extra
        raise E.ConfigurationError(
            reason=f"the CA server's packages are not installed ({exc.name}): "
            "pip install 'mobileca-desktop[server]'"
        ) from None

    if not args.tls and not server_run.is_loopback(args.host):
        raise E.ConfigurationError(
            reason=f"plain HTTP is only served on loopback; use --tls to listen on {args.host}"
        )
    if not 1 <= args.port <= 65535:
        raise E.InvalidInput(field="port", reason="1 to 65535")
    if args.db:
        db_url = args.db
    else:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{args.data_dir / DB_FILENAME}"
    settings = server_run.ServeSettings(
        db_url=db_url,
        data_dir=str(args.data_dir),
        public_url=args.public_url,
        passphrase_file=str(args.passphrase_file) if args.passphrase_file else None,
        demo=args.demo,
        cheap_passwords=os.environ.get(CHEAP_PASSWORDS_ENV) == "1",
        tls_institution=args.tls_institution,
        rate_limits=not args.no_rate_limits,
        decode_slots=args.decode_slots,
        password_slots=args.password_slots,
        login_in_flight=args.login_in_flight,
    )
    try:
        server_run.run(settings, host=args.host, port=args.port, tls=args.tls, workers=args.workers)
    except SQLAlchemyError as exc:
        raise E.ConfigurationError(
            reason=f"cannot use the database: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        ) from None
    return 0
