"""Benchmark: two gunicorn instances on one PostgreSQL and one Redis. Do races and crowds get errors?

    .venv/bin/python benchmarks/cluster_pg_redis.py [--submissions 50] [--learners 200] [--lessons 9]
        [--workers 3] [--threads 4]

(or ``make bench-cluster``). PostgreSQL is the server in ``DATABASE_URL`` or a throw-away cluster
(``benchmarks/pgcluster.py``), on which a throw-away database is made and dropped afterwards;
Redis is the one in ``REDIS_URL`` or a ``redis-server`` started on a private port. The database is
migrated, the Lemtrada programme loaded and the learners created (``classroom_sqlite._prepare``);
then the project is served by two gunicorn instances (separate processes on separate ports,
several workers each) sharing that database and that Redis as their cache, with the test suite's
settings (``lms.settings.test``: DEBUG off, mail kept in memory, the PDF rendered right after the
issuing request commits instead of by a worker). Two scenarios, requests sent to the two instances
by turns:

- *cluster_pass_race*: one prescriber who has read every lesson (HPR number confirmed) starts the
  quiz from ``--submissions`` clients at once, then all of them submit the right answers (built
  from the attempt's snapshot in the database, as a test would) at the same moment. Goal: exactly
  one attestation, and no request answered with a 5xx (or not answered).
- *cluster_N_learners*: ``--learners`` prescribers at once open each of the first ``--lessons``
  lessons and mark it read, as the browser does (``classroom_sqlite._learner``). Goal: no 5xx.

Each prints one line; the exit status is 1 when a goal is missed. ``tests/test_cluster_load.py``
(marked slow, run by CI on PostgreSQL) calls these same functions.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from classroom_sqlite import _free_port, _gunicorn, _learner, _percentile

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "lms.settings.test"  # DEBUG off; REDIS_URL makes lms.settings.base use Redis as the cache
GOAL_ATTESTATIONS = 1
GOAL_SERVER_ERRORS = 0
NO_ANSWER = 599  # counted with the 5xx: a request the cluster never answered
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- The Django side: a subprocess on the cluster's database, answering questions about it. ---
#
# The benchmark (or the test calling it) never sets Django up on the throw-away database itself: a
# test process already has its own. One subprocess does, and answers one JSON line per question.


def _step_prepare(*, learners: int) -> dict:
    """Migrate, load, make ``learners`` signed-in prescribers plus one more who will race the quiz."""
    from classroom_sqlite import _prepare

    sessions, lessons = _prepare(learners + 1)
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse
    from django.utils import timezone, translation

    from courses.models import LessonPage, ProgrammePage
    from courses.services import lesson_mark_read, lesson_opened_record
    from lms.models import User

    racer_session = sessions.pop()
    racer = User.objects.get(pk=SessionStore(session_key=racer_session)[SESSION_KEY])
    racer.hpr_verified_at = timezone.now()  # a real prescriber: the attestation counts (valid)
    racer.save(update_fields=["hpr_verified_at"])
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    for lesson in LessonPage.objects.live().child_of(programme):
        lesson_opened_record(user=racer, lesson=lesson)
        lesson_mark_read(user=racer, lesson=lesson)
    with translation.override("nb"):
        quiz_path = reverse("quizzes:quiz", args=[programme.slug])
        start_path = reverse("quizzes:start", args=[programme.slug])
    return {
        "sessions": sessions,
        "lessons": lessons,
        "racer": {"user": racer.pk, "session": racer_session},
        "quiz_path": quiz_path,
        "start_path": start_path,
    }


def _step_answers(*, attempt_id: str) -> dict:
    """Form fields answering every question of the attempt right: ``q<item id>`` → option tokens."""
    from quizzes.models import AttemptQuestion

    fields: dict[str, list[str]] = {}
    for item in AttemptQuestion.objects.filter(attempt_id=attempt_id):
        fields[f"q{item.pk}"] = [o["token"] for o in item.options if o["id"] in item.correct_option_ids]
    return fields


def _step_outcome(*, user: int) -> dict:
    """What the race left in the database for the prescriber."""
    from certificates import selectors
    from certificates.models import Attestation
    from courses.models import ProgrammePage
    from lms.models import User
    from quizzes.models import Attempt

    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    attempts = Attempt.objects.filter(user_id=user)
    return {
        "attempts": attempts.count(),
        "passed": attempts.filter(passed=True).count(),
        "attestations": Attestation.objects.filter(user_id=user).count(),
        "status": selectors.attestation_status(user=User.objects.get(pk=user), programme=programme).code,
    }


STEPS = {"prepare": _step_prepare, "answers": _step_answers, "outcome": _step_outcome}


def _django_side() -> None:
    """Answer ``{"step": …, …}`` lines on stdin with ``{"result": …}`` (or ``{"error": …}``) lines."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever Django or a command prints goes to stderr, never into the replies
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    for line in sys.stdin:
        question = json.loads(line)
        try:
            reply = {"result": STEPS[question.pop("step")](**question)}
        except Exception:  # reported to the benchmark, which raises it there
            reply = {"error": traceback.format_exc()}
        finally:
            connections.close_all()
        replies.write(json.dumps(reply) + "\n")


class _DjangoSide:
    def __init__(self, env: dict):
        self.process = subprocess.Popen(  # noqa: S603 - this very script
            [sys.executable, str(Path(__file__).resolve()), "--django-side"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, step: str, **arguments):
        self.send(step, **arguments)
        return self.receive(step)

    def send(self, step: str, **arguments) -> None:
        self.process.stdin.write(json.dumps({"step": step, **arguments}) + "\n")
        self.process.stdin.flush()

    def receive(self, step: str):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"The Django side stopped during {step!r} (its messages are above).")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"The Django side failed during {step!r}:\n{reply['error']}")
        return reply["result"]

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- The cluster: PostgreSQL, Redis, the Django side and two gunicorn instances. ---


@contextlib.contextmanager
def _database(database_url: str | None) -> Iterator[tuple[str, str]]:
    """(URL of a throw-away PostgreSQL database, where its server comes from); dropped afterwards."""
    from attestation_export import _database as create_database
    from attestation_export import _drop
    from pgcluster import postgres_server

    if database_url is None:
        servers = postgres_server()  # DATABASE_URL's server when it is PostgreSQL, else a throw-away one
    elif database_url.startswith("postgres"):
        servers = contextlib.nullcontext((database_url, "PostgreSQL given"))
    else:
        raise SystemExit(f"The cluster needs PostgreSQL, not {database_url.split(':', 1)[0]}.")
    with servers as (server, description):
        if server is None:
            raise SystemExit(f"No PostgreSQL: {description}")
        url, name = create_database(server)
        try:
            yield url, description
        finally:
            _drop(server, name)


@contextlib.contextmanager
def _redis(redis_url: str | None) -> Iterator[tuple[str, str]]:
    """(URL of a Redis server, where it comes from): the one given, or a private one stopped after."""
    if redis_url:
        yield redis_url, "Redis from REDIS_URL"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("No Redis: install redis-server (apt-get install redis-server) or set REDIS_URL.")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - Debian's redis-server
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0", f"redis-server on port {port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Cluster:
    bases: list[str]  # the two instances' base URLs
    prepared: dict  # what the Django side prepared (sessions, lessons, the racer, quiz paths)
    django: _DjangoSide
    redis_url: str
    description: str

    def base_for(self, number: int) -> str:
        """Instance by turns: client (or request) ``number`` goes to one, the next to the other."""
        return self.bases[number % len(self.bases)]

    def redis_keys(self) -> int:
        import redis

        return redis.Redis.from_url(self.redis_url).dbsize()


@contextlib.contextmanager
def cluster(
    *, learners: int, database_url: str | None = None, redis_url: str | None = None, workers=3, threads=4
) -> Iterator[Cluster]:
    """Everything up, prepared for ``learners`` learners and one racer; everything gone afterwards."""
    with contextlib.ExitStack() as stack:
        url, database = stack.enter_context(_database(database_url))
        redis_url, redis_from = stack.enter_context(_redis(redis_url))
        media = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cluster-media-"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": media,
            # As production (lms/settings/production.py): each app thread keeps its connection.
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
            # Idle connections kept open longer than a stalled client thread could wait between two
            # requests (gunicorn's default is 2 s; behind a load balancer it is set above the
            # balancer's idle timeout anyway), and a quick stop: gthread workers otherwise wait the
            # whole 30 s graceful timeout.
            "GUNICORN_CMD_ARGS": os.environ.get("GUNICORN_CMD_ARGS", "--keep-alive 75 --graceful-timeout 5"),
        }
        django = _DjangoSide(env)
        stack.callback(django.close)
        django.send("prepare", learners=learners)
        # The instances boot while the Django side migrates and loads (only /healthz reaches them).
        bases = [
            stack.enter_context(_gunicorn(env=env, workers=workers, threads=threads, preload=True))
            for _ in range(2)
        ]
        prepared = django.receive("prepare")
        yield Cluster(
            bases=bases,
            prepared=prepared,
            django=django,
            redis_url=redis_url,
            description=(
                f"2 gunicorn instances x {workers} workers x {threads} threads; {database}; {redis_from}"
            ),
        )


# --- The scenarios. ---


@dataclass
class Requests:
    """Status and seconds of every request sent in a scenario (``NO_ANSWER`` when none came)."""

    answered: list[tuple[int, float]] = field(default_factory=list)
    unanswered: Counter = field(default_factory=Counter)  # why: the client's exception, by name

    @property
    def server_errors(self) -> int:
        return sum(1 for status, _ in self.answered if status >= 500)

    @property
    def statuses(self) -> str:
        counts = sorted(Counter(s for s, _ in self.answered).items())
        why = (
            f" ({', '.join(f'{name}x{n}' for name, n in self.unanswered.items())})" if self.unanswered else ""
        )
        return " ".join(f"{status}x{n}" for status, n in counts) + why

    @property
    def times(self) -> list[float]:
        return [elapsed for _, elapsed in self.answered]


def _timed(results: Requests, send) -> object:
    began = time.perf_counter()
    try:
        response = send()
        status = response.status_code
    except Exception as error:  # a refused or dropped connection, a timeout: no answer
        response, status = None, NO_ANSWER
        results.unanswered[type(error).__name__] += 1
    results.answered.append((status, time.perf_counter() - began))
    return response


@dataclass
class RaceResult:
    starts: Requests
    submissions: Requests
    attempts_started: set  # the attempt pages the starts were sent to
    outcome: dict  # attempts, passed, attestations, status (from the database)


def pass_race(running: Cluster, *, submissions: int = 50) -> RaceResult:
    """``submissions`` clients of one prescriber start the quiz at once, then submit it passed at once."""
    import requests

    prepared = running.prepared
    session_key = prepared["racer"]["session"]
    clients = [requests.Session() for _ in range(submissions)]
    for http in clients:
        http.cookies.set("sessionid", session_key)
        # A new connection for each request: the wait for the others outlasts gunicorn's keep-alive
        # (2 s), and a request sent on a connection the server is closing as idle would fail in the
        # client (a race between client and server over an idle connection, not the cluster's answer).
        http.headers["Connection"] = "close"
    starts, submitted, attempts = Requests(), Requests(), set()
    tokens: dict[int, str] = {}
    ready = threading.Barrier(submissions)

    def start(number: int) -> None:
        http, base = clients[number], running.base_for(number)
        page = _timed(starts, lambda: http.get(base + prepared["quiz_path"], timeout=60))
        token = CSRF_TOKEN.search(page.text) if page is not None else None
        ready.wait()
        if token is None:
            return
        tokens[number] = token.group(1)
        answer = _timed(
            starts,
            lambda: http.post(
                base + prepared["start_path"],
                data={"csrfmiddlewaretoken": tokens[number]},
                headers={"Referer": base + prepared["quiz_path"]},
                allow_redirects=False,
                timeout=60,
            ),
        )
        if answer is not None and answer.status_code == 302:
            attempts.add(answer.headers["Location"])

    _all_at_once(start, submissions)
    if len(attempts) == 1:  # otherwise the starts went wrong already: nothing to submit
        attempt_path = next(iter(attempts))
        attempt_id = re.search(r"/attempt/([0-9a-f-]{36})/", attempt_path).group(1)
        fields = running.django.ask("answers", attempt_id=attempt_id)
        ready = threading.Barrier(submissions)

        def submit(number: int) -> None:
            http, base = clients[number], running.base_for(number + 1)  # the other instance this time
            data = [("csrfmiddlewaretoken", tokens.get(number, ""))]
            data += [(name, value) for name, values in fields.items() for value in values]
            ready.wait()
            _timed(
                submitted,
                lambda: http.post(
                    base + attempt_path,
                    data=data,
                    headers={"Referer": base + attempt_path},
                    allow_redirects=False,
                    timeout=60,
                ),
            )

        _all_at_once(submit, submissions)
    for http in clients:
        http.close()
    return RaceResult(
        starts, submitted, attempts, running.django.ask("outcome", user=prepared["racer"]["user"])
    )


def _all_at_once(work, clients: int) -> None:
    threads = [threading.Thread(target=work, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class CrowdResult:
    requests: Requests
    expected: int  # every learner opening and marking every lesson: 2 requests a lesson


def learners_crowd(running: Cluster, *, lessons: int | None = None) -> CrowdResult:
    """Every prepared learner at once opens the first ``lessons`` lessons and marks each read."""
    paths = running.prepared["lessons"][:lessons]
    sessions = running.prepared["sessions"]
    results: list = []
    start = threading.Barrier(len(sessions))
    threads = [
        threading.Thread(target=_learner, args=(running.base_for(number), session, paths, start, results))
        for number, session in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return CrowdResult(requests=Requests(answered=results), expected=len(sessions) * len(paths) * 2)


# --- The report. ---


def race_line(result: RaceResult) -> str:
    times = result.submissions.times
    return (
        f"cluster_pass_race: attestations {result.outcome['attestations']} (goal {GOAL_ATTESTATIONS}), "
        f"5xx {result.submissions.server_errors} of {len(times)} submissions (goal {GOAL_SERVER_ERRORS}), "
        f"p95 {_percentile(times, 0.95):.2f}s; starts: 5xx {result.starts.server_errors} of "
        f"{len(result.starts.answered)}, {len(result.attempts_started)} attempt(s); "
        f"submissions answered {result.submissions.statuses}; attestation {result.outcome['status']}"
    )


def race_ok(result: RaceResult, *, submissions: int) -> bool:
    return (
        result.outcome["attestations"] == GOAL_ATTESTATIONS
        and result.submissions.server_errors + result.starts.server_errors <= GOAL_SERVER_ERRORS
        and len(result.submissions.answered) == submissions
    )


def crowd_line(result: CrowdResult, *, learners: int) -> str:
    times = result.requests.times
    median = statistics.median(times) if times else 0.0
    return (
        f"cluster_{learners}_learners: 5xx {result.requests.server_errors} of {len(times)} "
        f"(goal {GOAL_SERVER_ERRORS}; {result.expected} expected), median {median:.2f}s, "
        f"p95 {_percentile(times, 0.95):.2f}s; answered {result.requests.statuses}"
    )


def crowd_ok(result: CrowdResult) -> bool:
    return (
        result.requests.server_errors <= GOAL_SERVER_ERRORS
        and len(result.requests.answered) == result.expected
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50, help="clients racing the pass (default 50)")
    parser.add_argument("--learners", type=int, default=200, help="learners reading at once (default 200)")
    parser.add_argument("--lessons", type=int, default=9, help="lessons each learner reads (default 9: all)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per instance (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    args = parser.parse_args()
    began = time.perf_counter()
    with cluster(
        learners=args.learners,
        redis_url=os.environ.get("REDIS_URL"),
        workers=args.workers,
        threads=args.threads,
    ) as running:
        print(f"{running.description}; ready after {time.perf_counter() - began:.0f}s", flush=True)
        race = pass_race(running, submissions=args.submissions)
        print(race_line(race), flush=True)
        crowd = learners_crowd(running, lessons=args.lessons)
        print(crowd_line(crowd, learners=args.learners), flush=True)
        print(
            f"shared cache: {running.redis_keys()} keys in Redis; {time.perf_counter() - began:.0f}s in all"
        )
    return 0 if race_ok(race, submissions=args.submissions) and crowd_ok(crowd) else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--django-side"]:
        _django_side()
    else:
        sys.exit(main())
