"""`flask --app wsgi backup [PATH]` and `flask --app wsgi restore PATH [--force]`.

SQLite: SQLite's online backup API, page by page inside one read transaction, so the copy is a
consistent snapshot while the café keeps writing (copying the files with their `-wal` is not).
PostgreSQL: `pg_dump` in its custom format (a snapshot by design) and `pg_restore`.
Both print a progress line, and restore refuses to overwrite a database that holds tables unless
`--force` is given.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from . import versions
from .db import utcnow
from .extensions import db

#: Pages copied per step of an SQLite backup (4 KiB each: 4 MiB a step).
SQLITE_STEP_PAGES = 1024

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup or restore that cannot be done (says why)."""


@dataclass
class Outcome:
    """What a backup or restore did."""

    path: Path
    size: int
    seconds: float
    #: SQLite: "ok" from PRAGMA integrity_check of the copy; PostgreSQL: the tables restored or dumped
    check: str


# ------------------------------------------------------------------------------------------------
# SQLite

def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _copy_sqlite(source: Path, target: Path, progress: Progress) -> None:
    """Copy one SQLite database into another with the backup API, as one consistent snapshot.

    The source connection holds a read transaction for the whole copy: in WAL mode writers go on,
    and the backup does not restart when they commit (it reads the snapshot it began with).
    """
    src = sqlite3.connect(source, isolation_level=None)
    dst = sqlite3.connect(target)
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=SQLITE_STEP_PAGES, sleep=0,
                   progress=lambda status, remaining, total: progress(total - remaining, total))
        src.execute("COMMIT")
    finally:
        dst.close()
        src.close()


def _sqlite_tables(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------
# PostgreSQL

def pg_tool(name: str) -> str:
    """Find pg_dump or pg_restore: PG_BIN_DIR, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    configured = current_app.config.get("PG_BIN_DIR")
    candidates = [Path(configured)] if configured else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0, reverse=True)
    for folder in candidates:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: apt-get install postgresql-client (or set PG_BIN_DIR)")
    return found


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tables(url: URL) -> int:
    import psycopg

    with psycopg.connect(_libpq_url(url)) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]


def _run_counting(command: list[str], marker: re.Pattern, total: int, progress: Progress) -> None:
    """Run a pg_* command with --verbose; count the lines that name a table as progress."""
    done = 0
    progress(done, total)
    # Another session's lock makes the command fail after a minute instead of waiting for ever.
    env = {**os.environ, "PGOPTIONS": "-c lock_timeout=60000"}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    messages = []
    assert process.stderr is not None
    for line in process.stderr:
        if marker.search(line):
            done += 1
            progress(min(done, total), total)
        elif "error" in line.lower() or "fatal" in line.lower():
            messages.append(line.strip())
    if process.wait() != 0:
        raise BackupError(f"{Path(command[0]).name} failed: " + " ".join(messages[-3:]))
    progress(total, total)


# ------------------------------------------------------------------------------------------------
# The two operations

def default_path(url: URL) -> Path:
    """instance/backups/anticafe-YYYYMMDD-HHMMSS.(sqlite3|dump)."""
    suffix = "sqlite3" if url.get_backend_name() == "sqlite" else "dump"
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Path(current_app.instance_path) / "backups" / f"anticafe-{stamp}.{suffix}"


def backup_database(url: URL, path: Path, progress: Progress) -> Outcome:
    """Write a consistent copy of the database to `path`."""
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise BackupError(f"{path} exists; give another path")
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_file(url), path, progress)
        check = _integrity(path)
        if check != "ok":
            raise BackupError(f"the copy failed integrity_check: {check}")
    else:
        total = _pg_tables(url)
        _run_counting([pg_tool("pg_dump"), "--format=custom", "--verbose", f"--file={path}",
                       f"--dbname={_libpq_url(url)}"], re.compile(r"dumping contents of table"), total, progress)
        check = f"{total} tables"
    return Outcome(path, path.stat().st_size, time.monotonic() - started, check)


def restore_database(url: URL, path: Path, progress: Progress, *, force: bool = False) -> Outcome:
    """Replace the database's contents with the backup at `path` (refused over data unless `force`)."""
    started = time.monotonic()
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    if url.get_backend_name() == "sqlite":
        target = _sqlite_file(url)
        if _integrity(path) != "ok":
            raise BackupError(f"{path} is not a sound SQLite backup (integrity_check failed)")
        if _sqlite_tables(target) and not force:
            raise BackupError(f"{target} already holds tables; add --force to overwrite it")
        db.session.remove()
        db.engine.dispose()
        _copy_sqlite(path, target, progress)
        check = _integrity(target)
        if check != "ok":
            raise BackupError(f"the restored database failed integrity_check: {check}")
    else:
        tables = _pg_tables(url)
        if tables and not force:
            raise BackupError(f"the database already holds {tables} tables; add --force to overwrite it")
        listing = subprocess.run([pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
        if listing.returncode != 0:
            raise BackupError(f"{path} is not a pg_dump custom-format file: {listing.stderr.strip()}")
        total = sum(1 for line in listing.stdout.splitlines() if " TABLE DATA " in line)
        db.session.remove()  # the app's own connections would hold locks that DROP waits for
        db.engine.dispose()
        command = [pg_tool("pg_restore"), "--verbose", "--exit-on-error", "--no-owner", "--no-privileges",
                   f"--dbname={_libpq_url(url)}"]
        if tables:
            command += ["--clean", "--if-exists"]
        _run_counting([*command, str(path)], re.compile(r"processing data for table"), total, progress)
        check = f"{total} tables"
    versions.new_numbers()  # the app servers' cached answers belong to the data before the restore
    return Outcome(path, path.stat().st_size, time.monotonic() - started, check)


def _progress_line(verb: str) -> Progress:
    """Show `verb: done/total (percent)` on one line, rewritten in place on a terminal."""
    tty = sys.stdout.isatty()
    last = {"shown": -1}

    def show(done: int, total: int) -> None:
        percent = 100 if not total else done * 100 // total
        if tty and percent != last["shown"]:
            click.echo(f"\r{verb}: {done}/{total} ({percent}%)", nl=False)
            last["shown"] = percent

    return show


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path | None):
    """Back the database up to PATH (default: instance/backups/anticafe-<UTC time>.sqlite3|.dump)."""
    url = _url()
    path = path or default_path(url)
    unit = "pages" if url.get_backend_name() == "sqlite" else "tables"
    try:
        outcome = backup_database(url, path, _progress_line(f"Backing up ({unit})"))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"\rBackup written: {outcome.path} ({_size(outcome.size)}, {outcome.seconds:.1f} s, "
               f"check: {outcome.check})")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds tables.")
@with_appcontext
def restore_command(path: Path, force: bool):
    """Restore the database from a backup made by `flask backup` (refuses to overwrite without --force)."""
    url = _url()
    unit = "pages" if url.get_backend_name() == "sqlite" else "tables"
    try:
        outcome = restore_database(url, path, _progress_line(f"Restoring ({unit})"), force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"\rRestored from {outcome.path} ({_size(outcome.size)}, {outcome.seconds:.1f} s, "
               f"check: {outcome.check})")
