"""Start and stop what the benchmark serves: gunicorn on 127.0.0.1, and the databases behind it."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.pgserver import free_port, throwaway_postgres

ROOT = Path(__file__).resolve().parent.parent
#: The guest-card scenario keeps a couple of hundred people inside (see scenarios.CARD_REQUESTS), next to
#: the live board's 60 and the event guests the check-in scenarios let in (thousands of first scans to
#: events going on now: with 400, and even 1000, the guest-card starts were refused `venue_full`).
VENUE_CAPACITY = 10_000
WORKERS = 2
#: gunicorn's default worker: one request at a time per process (no keep-alive).
WORKER_CLASS = "sync"


class Gunicorn:
    """A gunicorn master with WORKERS workers serving `target` on a free 127.0.0.1 port."""

    def __init__(self, target: str, env: dict, log_path: Path, health: str = "/healthz", workers: int = WORKERS):
        self.target, self.env, self.log_path, self.health = target, env, log_path, health
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> "Gunicorn":
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", WORKER_CLASS,
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5",
             "--log-level", "warning", self.target],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.target} exited: see {self.log_path}\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=10) as answer:
                    if answer.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.target} did not answer in {timeout:.0f} s\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def peak_memory_mb(self) -> list[float]:
        """Return each worker's peak resident memory (VmHWM) in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return peaks

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.process = None
        self.log.close()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Databases:
    """Fresh, empty databases of one kind: SQLite files in a folder, or databases on a throwaway server."""

    def __init__(self, backend: str, folder: Path, server: str | None = None):
        self.backend, self.folder, self.server = backend, folder, server
        self.made: list[str] = []

    def create(self, name: str) -> str:
        if self.backend == "sqlite":
            path = self.folder / f"{name}.sqlite3"
            for leftover in self.folder.glob(f"{name}.sqlite3*"):
                leftover.unlink()
            return f"sqlite:///{path}"
        dbname = f"{name}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        self.made.append(dbname)
        return f"{self.server}/{dbname}"

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            for path in self.folder.glob(Path(url.removeprefix("sqlite:///")).name + "*"):
                path.unlink()
            return
        dbname = url.rsplit("/", 1)[1]
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def _admin(self) -> str:
        return self.server.replace("+psycopg", "") + "/postgres"


@contextmanager
def databases(backend: str, folder: Path) -> Iterator[Databases]:
    """Yield a `Databases` for `backend`; a PostgreSQL server is started for it and stopped afterwards.

    The server is the tests' throwaway one (tests/pgserver.py), with fsync on and
    `synchronous_commit=off`: commits survive a crash of the server but may be lost (the last few
    hundred milliseconds) in a power cut, the same promise SQLite's WAL with synchronous=NORMAL makes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        yield Databases("sqlite", folder)
        return
    with throwaway_postgres(fsync=True, settings=("max_connections=200", "synchronous_commit=off"),
                            stop_mode="fast") as server:
        yield Databases("postgresql", folder, server)


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
