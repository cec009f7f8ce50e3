"""A throw-away PostgreSQL cluster for tests: initdb in a temporary folder, pg_ctl on a
loopback port, removed afterwards. As root (CI) the server runs as ``nobody`` through
``runuser``, because initdb refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import suppress
from pathlib import Path


def find_bin() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/*/bin`` with initdb, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def why_unavailable() -> str | None:
    if find_bin() is None:
        return "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; CI installs it)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.bin = find_bin()
        assert self.bin is not None
        self.root = Path(tempfile.mkdtemp(prefix="mobileca-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user="nobody", group="nogroup")
            self.root.chmod(0o700)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "nobody", "--", *cmd]
        return subprocess.run(
            cmd, cwd=self.root, capture_output=True, text=True, timeout=120, check=False
        )

    def start(self) -> None:
        r = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stdout}\n{r.stderr}")
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        r = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        if r.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if self.root else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stdout}\n{r.stderr}\n{log}")

    def stop(self) -> None:
        with suppress(Exception):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
