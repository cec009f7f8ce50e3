"""What every ``mobileca-ca`` command shares: opening the CA data folder, JSON output.

Every subcommand opens the CA data folder as a one-shot engine (no background KMC thread),
does one thing, and closes it (``open_engine``). Only ``init`` may create a new CA.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.ca.secrets import KeyringSecret, PassphraseFileSecret, SecretSource
from mobileca_desktop.ca.store import Store
from mobileca_desktop.config import load_settings
from mobileca_desktop.domain import errors as E

PROG = "mobileca-ca"
DB_FILENAME = "ca.sqlite3"
CA_DATA_DIR_ENV = "MOBILECA_CA_DATA_DIR"
# TEST-ONLY: when "1", one-shot engines hash passwords with the cheap Argon2 profile so that
# the CLI tests stay fast. Never set it for a real CA: it weakens every password stored.
CHEAP_PASSWORDS_ENV = "MOBILECA_TEST_CHEAP_PASSWORDS"


# --- output ------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    print(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def write_output(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise E.InvalidInput(
            field="output", reason=f"cannot write {path}: {exc.strerror or exc}"
        ) from None


# --- opening the CA ----------------------------------------------------------------------


def resolve_globals(args: argparse.Namespace) -> None:
    """Fills the global options: flag > environment > settings file > default."""
    settings = load_settings({"public_url": getattr(args, "public_url", None)})
    args.public_url = settings.public_url
    data_dir = getattr(args, "data_dir", None)
    if data_dir is None:
        env = os.environ.get(CA_DATA_DIR_ENV, "").strip()
        data_dir = Path(env) if env else settings.ca_data_dir
    args.data_dir = Path(data_dir).expanduser()
    args.passphrase_file = getattr(args, "passphrase_file", None)
    args.json = getattr(args, "json", False)


def _secret(args: argparse.Namespace) -> SecretSource:
    if args.passphrase_file is not None:
        return PassphraseFileSecret(Path(args.passphrase_file).expanduser())
    return KeyringSecret(args.data_dir)


def _engine_config(args: argparse.Namespace) -> EngineConfig:
    config = EngineConfig(public_url=args.public_url, kmc_background=False)
    if os.environ.get(CHEAP_PASSWORDS_ENV) == "1":
        config.passwords = CHEAP_PASSWORDS
    return config


def not_initialised(folder: Path) -> E.MobileCAError:
    return E.ConfigurationError(
        reason=f"no CA in {folder}: run `{PROG} init` first, or choose the folder with "
        f"--data-dir or {CA_DATA_DIR_ENV}"
    )


def _remove_new_store(folder: Path, *, remove_folder: bool) -> None:
    """Undoes a failed ``init``: the half-made database, and the folder if it made it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):
            (folder / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    if remove_folder:
        with suppress(OSError):
            folder.rmdir()  # only if empty


@contextmanager
def open_engine(args: argparse.Namespace, *, create: bool = False) -> Iterator[CAEngine]:
    """Opens the CA data folder; only ``init`` may create a new CA. Always closed."""
    folder: Path = args.data_dir
    if not create and not (folder / DB_FILENAME).is_file():
        raise not_initialised(folder)
    if folder.exists() and not folder.is_dir():
        raise E.ConfigurationError(reason=f"{folder} is not a folder")
    folder_existed, db_existed = folder.exists(), (folder / DB_FILENAME).exists()
    store = None
    try:
        try:
            store = Store.for_folder(folder)
        except (OSError, SQLAlchemyError) as exc:
            detail = getattr(exc, "strerror", None) or type(exc).__name__
            raise E.ConfigurationError(
                reason=f"cannot use the CA data folder {folder}: {detail}"
            ) from None
        args.created = not store.is_initialised()
        if args.created and not create:
            raise not_initialised(folder)
        engine = CAEngine(store, _secret(args), _engine_config(args))
    except BaseException:
        if store is not None:
            store.dispose()
        if not db_existed:
            _remove_new_store(folder, remove_folder=not folder_existed)
        raise
    try:
        yield engine
    finally:
        engine.close()


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown by its scheme only
        return url.split(":", 1)[0] + ":..."


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of 1 or more")
    return value
