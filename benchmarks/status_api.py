"""Benchmark: the attestation status API against a bare Django JSON view on the same gunicorn.

    .venv/bin/python benchmarks/status_api.py [--clients 16] [--seconds 8] [--rounds 2]

(part of ``make bench``). On PostgreSQL (``DATABASE_URL``, else a throw-away cluster; SQLite when
neither is possible, and the output says which) it makes a throw-away database, migrates it, loads
the Lemtrada programme, issues real attestations to prescribers who passed the quiz (their HPR
numbers confirmed) and creates a real API token. Then it serves the project with gunicorn through
``benchmarks/bench_settings.py``, whose URLconf adds ``/bench/bare-json/`` beside the real URLs
(so the bare view never ships), and lets 16 clients on loopback, each in its own process with a
kept-alive connection, ask as fast as they can for a fixed time:

- *api*: ``GET /api/v1/attestations/status?hpr=…&programme=lemtrada`` with the token, over the
  attested prescribers and some unknown numbers: token check, programme (cached), status (one
  query), the ``attestation.looked_up`` audit event (queued, one insert), the JSON reply;
- *bare*: ``GET /bench/bare-json/``: a Django view returning a JSON body of the same shape through
  the same middleware, without the database: the least any JSON answer from this Django costs;
- *audit*: ``GET /bench/audit-json/``: the bare view plus the one audit insert every lookup makes,
  and nothing else (no token, no status): the most an audited answer could achieve.

They alternate (after a warm-up of each); the figure is the ratio of the API's throughput to the
bare view's (goal: at least 0.7×), with the API's median and 99th percentile latency, and the
audit view's ratio to the bare view (the ceiling for any status answer that records its lookup).
"""

import argparse
import contextlib
import http.client
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from classroom_sqlite import _gunicorn, _percentile

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.7
ATTESTED = 10
UNKNOWN_HPR = [str(8000000 + n) for n in range(5)]


@contextlib.contextmanager
def _database(choice: str):
    """(Django DATABASE_URL, a description) of a throw-away database, dropped afterwards."""
    from attestation_export import _database as create_database
    from attestation_export import _drop
    from pgcluster import postgres_server

    if choice != "sqlite":
        with postgres_server() as (server, description):
            if server is not None:
                url, name = create_database(server)
                try:
                    yield url, description
                finally:
                    _drop(server, name)
                return
            if choice == "postgres":
                raise SystemExit(f"No PostgreSQL: {description}")
            reason = description
    else:
        reason = "asked for"
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{directory}/status_api.sqlite3", f"SQLite ({reason})"


def _prepare() -> tuple[str, list[str]]:
    """Migrate, load, attest; returns (a raw API token, the HPR numbers to ask about)."""
    import io

    import django

    django.setup()
    from attestation_issue import _passed_attempts
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from certificates import selectors, services
    from courses.models import ProgrammePage
    from lms.models import User

    call_command("migrate", verbosity=0)
    call_command("load_programme", verbosity=0, stdout=io.StringIO())
    attempts = _passed_attempts(ATTESTED, "nb")
    User.objects.filter(pk__in=[attempt.user_id for attempt in attempts]).update(
        hpr_verified_at=timezone.now()
    )
    numbers = []
    for attempt in attempts:
        services.attestation_issue(attempt=attempt)
        numbers.append(attempt.user.hpr_number)
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    statuses = {
        selectors.attestation_status_for_hpr(hpr_number=n, programme_key=programme.translation_key).code
        for n in numbers
    }
    if statuses != {"valid"}:
        raise RuntimeError(f"The prepared attestations are not valid: {statuses}")
    _, raw = services.api_token_create(name="benchmark")
    connections.close_all()
    return raw, numbers + UNKNOWN_HPR


def _client(job: tuple) -> tuple[list[float], int, str]:
    """One client: requests on one kept-alive connection from ``start_at`` to ``end_at``.
    Returns (latencies of the answers within the window, failures, the first failure)."""
    port, paths, headers, start_at, end_at, offset = job
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failures, first_failure = [], 0, ""
    index = offset
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < end_at:
        path = paths[index % len(paths)]
        index += 1
        began = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            ok = response.status == 200 and b'"status"' in body
            problem = "" if ok else f"{response.status} {body[:200]!r}"
        except (OSError, http.client.HTTPException) as error:
            ok, problem = False, repr(error)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = time.perf_counter() - began
        if time.time() <= end_at:
            if ok:
                latencies.append(elapsed)
            else:
                failures += 1
                first_failure = first_failure or problem
    connection.close()
    return latencies, failures, first_failure


def _run(pool, *, port: int, paths: list[str], headers: dict, clients: int, seconds: float) -> dict:
    start_at = time.time() + 0.3
    end_at = start_at + seconds
    jobs = [(port, paths, headers, start_at, end_at, n * 7) for n in range(clients)]
    latencies, failures, problems = [], 0, []
    for client_latencies, client_failures, problem in pool.map(_client, jobs):
        latencies += client_latencies
        failures += client_failures
        if problem:
            problems.append(problem)
    return {
        "answers": len(latencies),
        "seconds": seconds,
        "latencies": latencies,
        "failures": failures,
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each timed run (default 8)")
    parser.add_argument("--rounds", type=int, default=2, help="timed runs of each, alternating (default 2)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (default 4)")
    parser.add_argument("--database", choices=["auto", "postgres", "sqlite"], default="auto")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with _database(args.database) as (url, description):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "DATABASE_URL": url,
            # As production (lms/settings/production.py): each app thread keeps its connection.
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        }
        os.environ.update(env)
        print(f"Preparing {description} …", flush=True)
        token, numbers = _prepare()
        api_paths = [f"/api/v1/attestations/status?hpr={number}&programme=lemtrada" for number in numbers]
        runs = {
            "bare": (["/bench/bare-json/"], {}),
            "audit": (["/bench/audit-json/"], {}),
            "api": (api_paths, {"Authorization": f"Bearer {token}"}),
        }
        results = {kind: [] for kind in runs}
        context = multiprocessing.get_context("fork")
        with (
            _gunicorn(env=env, workers=args.workers, threads=args.threads, preload=True) as base,
            context.Pool(args.clients) as pool,
        ):
            port = int(base.rsplit(":", 1)[1])
            for paths, headers in runs.values():  # warm-up
                _run(pool, port=port, paths=paths, headers=headers, clients=args.clients, seconds=2)
            for _ in range(args.rounds):
                for kind, (paths, headers) in runs.items():
                    results[kind].append(
                        _run(
                            pool,
                            port=port,
                            paths=paths,
                            headers=headers,
                            clients=args.clients,
                            seconds=args.seconds,
                        )
                    )
            from django.db import connections

            connections.close_all()

    rate = {
        kind: sum(r["answers"] for r in rs) / sum(r["seconds"] for r in rs) for kind, rs in results.items()
    }
    failures = {kind: sum(r["failures"] for r in rs) for kind, rs in results.items()}
    api_latencies = [latency for r in results["api"] for latency in r["latencies"]]
    ratio = rate["api"] / rate["bare"] if rate["bare"] else 0.0
    ceiling = rate["audit"] / rate["bare"] if rate["bare"] else 0.0
    p50 = statistics.median(api_latencies) * 1000 if api_latencies else 0
    print(
        f"{description}; gunicorn {args.workers} workers x {args.threads} threads; {args.clients} clients; "
        f"{args.rounds} runs of {args.seconds:g} s each; "
        f"failed answers: api {failures['api']}, audit {failures['audit']}, bare {failures['bare']}"
    )
    for kind, rs in results.items():
        for problem in [p for r in rs for p in r["problems"]][:3]:
            print(f"  {kind} failure: {problem}")
    print(
        f"status_api_throughput: ratio {ratio:.2f} (goal {GOAL}) api {rate['api']:.0f} req/s, "
        f"bare {rate['bare']:.0f} req/s, api p50 {p50:.1f}ms "
        f"p99 {_percentile(api_latencies, 0.99) * 1000:.1f}ms; "
        f"audit insert alone {ceiling:.2f} ({rate['audit']:.0f} req/s)"
    )
    return 0 if ratio >= GOAL and not any(failures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
