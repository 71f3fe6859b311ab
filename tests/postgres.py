"""A throwaway PostgreSQL server for the tests: the team ledger's second back end, run for real.

`PostgresServer.start()` finds `initdb` under /usr/lib/postgresql/*/bin (Debian keeps it off PATH), makes a cluster
in a temporary folder, and starts it listening on a unix socket in that folder only (no TCP port, so two test
sessions on one machine never meet). `initdb` refuses to run as root, and CI runs as root: the folder then belongs
to the `postgres` system user and the server's programs run as that user (`runuser`); a non-root user runs them
as itself. Each test gets its own database, copied from an empty template (`CREATE DATABASE ... TEMPLATE`, a
file copy: milliseconds). `stop()` stops the server and removes the folder.

When PostgreSQL is not installed this FAILS with what to install: the team ledger's tests never skip.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"  # the system user Debian's postgresql package makes, who runs the cluster when we are root
SUPERUSER = "pmo_owner"  # the cluster's superuser: the ledger's owner in the tests
TEMPLATE = "pmo_empty"


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not on this machine."""


def find_bin() -> Path:
    """The newest /usr/lib/postgresql/VERSION/bin holding initdb (or the one on PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name.split(".")[0])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresMissing(
        "PostgreSQL is not installed: no initdb under /usr/lib/postgresql/*/bin or on PATH. The team ledger's tests "
        "run a real server: `apt-get install postgresql` (.ci/run does it)"
    )


class PostgresServer:
    """One running cluster in a temporary folder; `url(name)` connects to database `name` over its socket."""

    def __init__(self, *, durable: bool = False):
        self.bin = find_bin()
        self.durable = durable  # fsync and synchronous commit as a real server has them (the benchmark), else off
        self.root = Path(tempfile.mkdtemp(prefix="pmo-pg-"))
        self.data = self.root / "data"
        self.port = 5432  # names the socket file only: the server listens on no TCP port
        self.as_root = os.geteuid() == 0
        self._numbers = itertools.count(1)
        self.running = False

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.as_root:
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr or result.stdout}")
        return result

    def start(self) -> PostgresServer:
        if self.as_root:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o755)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--no-locale", "-E", "UTF8")
        options = f"-c listen_addresses='' -c unix_socket_directories={self.root} -p {self.port}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")
        self.running = True
        self.execute(f"CREATE DATABASE {TEMPLATE}")
        return self

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@/{database}?host={self.root}&port={self.port}"

    def execute(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self, prefix: str = "ledger") -> str:
        """A fresh empty database; its name."""
        name = f"{prefix}_{next(self._numbers)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def new_database(self, prefix: str = "ledger") -> str:
        """A fresh empty database; its URL."""
        return self.url(self.create_database(prefix))

    def stop(self) -> None:
        if self.running:
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
