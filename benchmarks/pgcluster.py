"""A PostgreSQL server for the benchmarks: the one in ``DATABASE_URL``, or a throw-away cluster.

``postgres_server()`` yields a server URL (``postgres://user@host:port/postgres``-shaped; the
database part is replaced by each benchmark's own throw-away database) or ``None`` with the reason
when there is no PostgreSQL to use. A throw-away cluster is made the way ``.ci/run`` makes one:
``initdb`` in a temporary folder (as the ``postgres`` user when run as root), a private port, no
fsync, stopped and deleted afterwards.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bin_dir() -> Path | None:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda initdb: int(initdb.parent.parent.name)
    )
    return versions[-1].parent if versions else None


def _run(command: list[str], as_postgres: bool) -> None:
    if as_postgres:
        command = ["su", "postgres", "-c", " ".join(command)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


@contextlib.contextmanager
def postgres_server() -> Iterator[tuple[str | None, str]]:
    """(server URL or None, a description of where it comes from or why there is none)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        # ``run_all.py`` passes its throw-away cluster on in DATABASE_URL, with what it is.
        yield url, os.environ.get("BENCH_POSTGRES_DESCRIPTION", "PostgreSQL from DATABASE_URL")
        return
    bin_dir = _bin_dir()
    if bin_dir is None:
        yield None, "no PostgreSQL installed (apt-get install postgresql) and DATABASE_URL unset"
        return
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    directory = tempfile.mkdtemp(prefix="bench-pg-")
    data = Path(directory) / "data"
    port = _free_port()
    started = False
    try:
        if as_postgres:
            shutil.chown(directory, "postgres")
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], as_postgres)
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = f"{directory}/server.log"
        pg_ctl = str(bin_dir / "pg_ctl")
        _run([pg_ctl, "-D", str(data), "-l", log, "-o", f"'{options}'", "-w", "start"], as_postgres)
        started = True
    except (OSError, subprocess.CalledProcessError, LookupError) as error:
        shutil.rmtree(directory, ignore_errors=True)
        yield None, f"could not start a throw-away PostgreSQL cluster ({error})"
        return
    try:
        yield (
            f"postgres://postgres@127.0.0.1:{port}/postgres",
            f"a throw-away PostgreSQL {bin_dir.parent.name} cluster (fsync off)",
        )
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], as_postgres)
        shutil.rmtree(directory, ignore_errors=True)
