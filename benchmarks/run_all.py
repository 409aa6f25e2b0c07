"""Run every benchmark in one go (``make bench``) and repeat their one-line summaries at the end.

    .venv/bin/python benchmarks/run_all.py

The benchmarks that need PostgreSQL (the export, the status API, learner pages on PostgreSQL) get
the server in ``DATABASE_URL`` or, without it, one throw-away cluster started here for all of them
(``pgcluster.py``, as ``.ci/run`` makes one); when neither is possible the export is skipped with
the reason printed. Each benchmark makes and drops its own throw-away database. Exit status 1 when
any benchmark missed its goal or failed.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from pgcluster import postgres_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUMMARY = re.compile(r"^[a-z0-9_]+: (ratio|errors|skipped)\b")
BENCHMARKS = [
    ("attestation_issue.py", False),
    ("attestation_export.py", True),
    ("classroom_sqlite.py", False),
    ("status_api.py", False),
    ("learner_pages.py", False),
]


def _run(script: str, env: dict) -> tuple[int, list[str]]:
    """Run one benchmark, its output streamed; returns (exit status, its summary lines)."""
    print(f"== benchmarks/{script}", flush=True)
    began = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own scripts
        [sys.executable, str(HERE / script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    summaries = []
    for line in process.stdout:
        print(line, end="", flush=True)
        if SUMMARY.match(line):
            summaries.append(line.rstrip())
    status = process.wait()
    print(f"== benchmarks/{script}: exit {status} after {time.monotonic() - began:.0f} s", flush=True)
    return status, summaries


def main() -> int:
    began = time.monotonic()
    failed = 0
    summaries = []
    with postgres_server() as (server, description):
        print(f"PostgreSQL: {description}" if server else f"No PostgreSQL: {description}", flush=True)
        for script, needs_postgres in BENCHMARKS:
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
            if server:
                env["DATABASE_URL"] = server
                env["BENCH_POSTGRES_DESCRIPTION"] = description
            elif needs_postgres:
                line = f"{script.removesuffix('.py')}: skipped: {description}"
                print(line, flush=True)
                summaries.append(line)
                continue
            status, lines = _run(script, env)
            failed |= status != 0
            summaries += lines or [f"{script.removesuffix('.py')}: failed without a summary (exit {status})"]
    print(f"== summary ({time.monotonic() - began:.0f} s in all)")
    for line in summaries:
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
