"""Benchmark: the attestation register's CSV export against PostgreSQL's own ``COPY … TO STDOUT``.

    DATABASE_URL=postgres://user@host:port/any .venv/bin/python benchmarks/attestation_export.py [--rows N]

(or ``make bench-export``). Needs PostgreSQL: it creates a throw-away database on that server,
migrates it, loads the Lemtrada programme, inserts N attestations (default 100,000) with their
prescribers and attempts in bulk, and drops the database afterwards.

- *export*: ``compliance.exports.export_write`` with ``compliance.registers.attestation_rows``,
  exactly what the admin's export and ``export_attestations`` do (the status worked out by the
  database, formula cells neutralised, the CSV streamed by COPY to disk with a BOM, rows counted,
  hashed, recorded);
- *copy*: ``COPY (SELECT <the same columns>) TO STDOUT WITH CSV HEADER`` read to the end by the
  client: the least any export of these rows can cost.

Printed: the ratio of the two times (goal: at most 3×) and the growth of Python's peak traced
memory from an export of N/10 rows to one of N rows (goal: under 50 MB).
"""

import argparse
import os
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 3.0
GOAL_MEMORY_MB = 50


def _database(url: str) -> tuple[str, str]:
    """(throw-away database URL, its name), created on the server of ``url``."""
    import psycopg

    name = f"bench_export_{uuid.uuid4().hex[:8]}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


def _drop(url: str, name: str) -> None:
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _populate(rows: int) -> None:
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from certificates.models import Attestation
    from courses.models import ProgrammePage
    from lms.models import User
    from quizzes.models import Attempt

    call_command("migrate", verbosity=0)
    call_command("load_programme", verbosity=0, stdout=io.StringIO())
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    now = timezone.now()
    batch = 5000
    for start in range(0, rows, batch):
        size = min(batch, rows - start)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bench{start + i}@example.com",
                    full_name=f"=Lege {start + i} Ærlig",
                    hpr_number=str(1000000 + start + i),
                    hpr_verified_at=now,
                    workplace="Haukeland universitetssjukehus",
                )
                for i in range(size)
            ]
        )
        attempts = Attempt.objects.bulk_create(
            [
                Attempt(
                    user=user,
                    programme=programme,
                    programme_key=programme.translation_key,
                    language="nb",
                    status=Attempt.Status.SUBMITTED,
                    started_at=now,
                    expires_at=now,
                    ended_at=now,
                    pass_mark=80,
                    question_count=12,
                    passed=True,
                    score=1.0,
                )
                for user in users
            ]
        )
        Attestation.objects.bulk_create(
            [
                Attestation(
                    serial=f"LEM-2026-{start + i:06d}",
                    user=user,
                    programme=programme,
                    programme_key=programme.translation_key,
                    attempt=attempt,
                    content_version=1,
                    language="nb",
                    holder_name=user.full_name,
                    hpr_number=user.hpr_number,
                    programme_title=programme.title,
                    product="Lemtrada",
                    key_messages=[],
                    issued_at=now,
                    valid_until=now.date().replace(year=now.year + 1),
                )
                for i, (user, attempt) in enumerate(zip(users, attempts, strict=True))
            ]
        )


def _export(limit: int) -> float:
    from certificates.models import Attestation
    from compliance import registers
    from compliance.exports import export_write

    queryset = Attestation.objects.order_by("pk")
    if limit:
        queryset = queryset.filter(pk__in=queryset[:limit].values("pk"))
    started = time.perf_counter()
    export = export_write(
        register="attestations",
        fmt="csv",
        header=registers.attestation_header(),
        rows=registers.attestation_rows(queryset),
        filters={"benchmark": limit},
    )
    export.file.close()
    return time.perf_counter() - started


def _copy() -> float:
    from django.db import connection

    sql = (
        "COPY (SELECT a.serial, a.holder_name, a.hpr_number, u.workplace, a.programme_title, a.state, "
        "a.issued_at, a.valid_until, a.revoked_at, a.revocation_reason FROM certificates_attestation a "
        "JOIN lms_user u ON u.id = a.user_id ORDER BY a.id) TO STDOUT WITH CSV HEADER"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        size = sum(len(chunk) for chunk in copy)
    if not size:
        raise RuntimeError("COPY returned nothing")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (the benchmark compares with its COPY).")
        return 2
    bench_url, name = _database(url)
    try:
        sys.path.insert(0, str(ROOT))
        os.environ["DATABASE_URL"] = bench_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
        import django

        django.setup()
        _populate(args.rows)
        _copy()  # warm the server's cache for both
        copy_time = min(_copy() for _ in range(3))
        export_time = min(_export(0) for _ in range(2))
        small = args.rows // 10
        tracemalloc.start()
        _export(small)
        peak_small = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        _export(0)
        peak_full = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        from django.db import connections

        connections.close_all()
    finally:
        _drop(url, name)
    ratio = export_time / copy_time
    growth = (peak_full - peak_small) / 1e6
    print(f"rows: {args.rows}")
    print(
        f"export: {export_time:.2f} s   COPY: {copy_time:.2f} s   ratio: {ratio:.1f}x (goal <= {GOAL_RATIO}x)"
    )
    print(
        f"peak traced memory: {peak_small / 1e6:.1f} MB at {small} rows, {peak_full / 1e6:.1f} MB at "
        f"{args.rows} rows: growth {growth:.1f} MB (goal < {GOAL_MEMORY_MB} MB)"
    )
    print(
        f"attestation_export: ratio {ratio:.2f} (goal {GOAL_RATIO}) export {export_time:.2f} s, "
        f"COPY {copy_time:.2f} s for {args.rows} rows; "
        f"memory growth {growth:.1f} MB (goal < {GOAL_MEMORY_MB} MB)"
    )
    return 0 if ratio <= GOAL_RATIO and growth < GOAL_MEMORY_MB else 1


if __name__ == "__main__":
    sys.exit(main())
