"""A throwaway PostgreSQL server, shared by the test fixtures (`pg_server`) and the benchmarks.

`initdb` and `pg_ctl` refuse to run as root, so they run through `runuser -u postgres`; that user cannot
enter pytest's tmp dirs (root-only, 0700), so the data dir comes from `mkdtemp`.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*cmd) -> None:
    """Run a server binary as the `postgres` user when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(prefix + [str(c) for c in cmd], check=True, capture_output=True, timeout=120)


@contextmanager
def throwaway_postgres(*, fsync: bool = False, settings: Sequence[str] = ("max_connections=200",),
                       stop_mode: str = "immediate") -> Iterator[str]:
    """Start a PostgreSQL server on 127.0.0.1; yield its URL without a database name; stop and delete it.

    `fsync=False` (the tests) trades durability for speed; the benchmarks keep fsync on. `settings` are
    extra `-c name=value` server options.
    """
    root = tempfile.mkdtemp(prefix="pgtest-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = os.path.join(root, "data"), free_port()
    started = False
    try:
        as_postgres(PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")
        options = ([] if fsync else ["-F"]) + [f"-p {port} -k {root} -c listen_addresses=127.0.0.1"]
        options += [f"-c {setting}" for setting in settings]
        as_postgres(PG_BIN / "pg_ctl", "start", "-w", "-D", data, "-l", f"{root}/server.log",
                    "-o", " ".join(options))
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        if started:
            as_postgres(PG_BIN / "pg_ctl", "stop", "-w", "-m", stop_mode, "-D", data)
        shutil.rmtree(root, ignore_errors=True)
