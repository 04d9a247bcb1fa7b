"""A throwaway PostgreSQL cluster from the installed server binaries, for the tests.

``PostgresCluster.start()`` runs ``initdb`` and ``pg_ctl`` in a fresh temporary folder (as the
``postgres`` user when we are root, as PostgreSQL refuses to run as root), listening only on a
Unix socket in that folder; ``new_database()`` hands each test an empty database of its own.
Without the binaries, ``find_binaries()`` says why, and the PostgreSQL tests are skipped with
that reason.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/usr/local/bin", "/usr/pgsql-*/bin")
START_TIMEOUT = 60.0


def find_binaries() -> tuple[Path | None, str]:
    """The folder holding initdb, pg_ctl and postgres (newest version first), or None and why."""
    candidates = [Path(p) for pattern in SEARCH for p in sorted(glob.glob(pattern), reverse=True)]
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, Path(on_path).parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder, ""
    return None, f"PostgreSQL server binaries (initdb, pg_ctl) not found in PATH or {', '.join(SEARCH)}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresCluster:
    bin_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ofsted-bot-pg-")))
    port: int = field(default_factory=_free_port)
    _names: itertools.count = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def _run_as_owner(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["runuser", "-u", "postgres", "--"]
        return subprocess.run(
            [*prefix, *command], check=True, capture_output=True, text=True, timeout=START_TIMEOUT
        )

    def start(self) -> PostgresCluster:
        self.socket_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run_as_owner(
            *(str(self.bin_dir / "initdb"), "-D", str(self.data_dir)),
            *("-A", "trust", "-U", "postgres", "-E", "UTF8"),
        )
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses='' -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run_as_owner(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            str(int(START_TIMEOUT)),
            "start",
        )
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl = str(self.bin_dir / "pg_ctl")
            self._run_as_owner(pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        """A SQLAlchemy / libpq URL over the cluster's Unix socket (``postgresql://`` by default)."""
        return f"{driver}://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def new_database(self, prefix: str = "test") -> str:
        """Create an empty database; its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
