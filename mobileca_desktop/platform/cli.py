"""``mobileca-platform``: the trading-platform simulator (交易系统).

    mobileca-platform serve --data-dir D (--ca-data-dir CA | --ca-url URL) [--port N]
    mobileca-platform certify --data-dir D --ca-data-dir CA --origin http://127.0.0.1:N

``serve`` with ``--ca-data-dir`` opens the local CA in this process (trust roots, OCSP, the
demo clock, and its own platform certificate, issued as the CA operator). With ``--ca-url``
it reads roots, OCSP and the demo clock from ``mobileca-ca serve``; the platform certificate
must then have been issued beforehand with ``certify`` on the CA's machine, for the origin
it will serve (so give ``--port``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mobileca_desktop.platform.run import (
    DEFAULT_ID,
    DEFAULT_NAME,
    PlatformConfig,
    PlatformSetupError,
    certify,
    serve_forever,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobileca-platform",
        description="交易系统模拟器 / trading-platform simulator for 扫一扫 (login, seal, "
        "encrypt, decrypt)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the platform's pages on loopback")
    serve.add_argument("--data-dir", required=True, type=Path, help="the platform's folder")
    source = serve.add_mutually_exclusive_group(required=True)
    source.add_argument("--ca-data-dir", type=Path, help="a local CA folder (mobileca-ca)")
    source.add_argument(
        "--ca-url", help="a remote CA (mobileca-ca serve), e.g. http://127.0.0.1:8470"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8480)
    serve.add_argument("--platform-id", default=DEFAULT_ID)
    serve.add_argument("--name", default=DEFAULT_NAME)
    serve.add_argument(
        "--accept",
        action="append",
        metavar="INSTITUTION_ID",
        help="accept only certificates of these CA institutions (repeatable; default: all)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS_OR_NETWORK",
        help="believe X-Forwarded-For from this proxy (repeatable; default: none)",
    )
    serve.add_argument(
        "--allow-other-address",
        action="store_true",
        help="log in a browser at another address than the scanning client even when the "
        "client read the code from its own screen (behind NAT; the client still warns)",
    )
    cert = sub.add_parser("certify", help="issue the platform certificate from a local CA")
    cert.add_argument("--data-dir", required=True, type=Path)
    cert.add_argument("--ca-data-dir", required=True, type=Path)
    cert.add_argument("--origin", required=True, help="e.g. http://127.0.0.1:8480")
    cert.add_argument("--name", default=DEFAULT_NAME)
    return parser


def _open_engine(folder: Path):
    from mobileca_desktop.ca.engine import CAEngine

    if not folder.is_dir():
        raise PlatformSetupError(f"no CA folder at {folder} (make one with mobileca-ca init)")
    return CAEngine.open(folder)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    engine = None
    try:
        if args.command == "certify":
            engine = _open_engine(args.ca_data_dir)
            cert = certify(args.data_dir, engine, origin=args.origin, name=args.name)
            print(f"platform certificate {format(cert.serial_number, 'x')} for {args.origin}")
            return 0
        if args.ca_data_dir is not None:
            engine = _open_engine(args.ca_data_dir)
        serve_forever(
            PlatformConfig(
                data_dir=args.data_dir,
                engine=engine,
                ca_url=args.ca_url,
                host=args.host,
                port=args.port,
                platform_id=args.platform_id,
                name=args.name,
                accepted_institutions=frozenset(args.accept) if args.accept else None,
                trusted_proxies=tuple(args.trusted_proxy),
                require_same_address=not args.allow_other_address,
            )
        )
        return 0
    except (PlatformSetupError, ValueError, OSError) as exc:
        print(f"mobileca-platform: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # typed CA errors (SecretUnavailable, ...) say what to do
        message = getattr(exc, "message", None)
        if message is None:
            raise
        print(f"mobileca-platform: {message}", file=sys.stderr)
        return 2
    finally:
        if engine is not None:
            engine.close()


if __name__ == "__main__":
    raise SystemExit(main())
