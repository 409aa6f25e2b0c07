"""Benchmark: a classroom on the embedded SQLite default. Do 50 learners reading at once get errors?

    .venv/bin/python benchmarks/classroom_sqlite.py [--learners 50] [--workers 4] [--threads 8]

(or ``make bench-classroom``). In a throw-away folder it migrates a fresh SQLite database, loads
the Lemtrada programme, creates the learners with their sessions, and serves the project with
gunicorn (several worker processes on one database file, as ``make run`` and a small
installation do). Then every learner, in its own thread and all at the same moment, opens each
lesson of the Norwegian programme and marks it read, as the browser does (GET the lesson, POST
"mark as read" with its CSRF token).

Printed: how many of the requests failed (5xx or no answer; goal 0) and the median and 95th
percentile latency. The SQLite settings that make this work are in ``lms/settings/base.py``:
write transactions take the lock when they begin (``transaction_mode`` IMMEDIATE), WAL journal,
and a busy timeout instead of "database is locked".
"""

import argparse
import contextlib
import io
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_FAILURES = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_answering(port: int, server: subprocess.Popen, seconds: float = 180) -> None:
    """Wait until the server answers ``/healthz`` with 200 (a busy machine may need a while)."""
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {server.returncode}) before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {seconds:.0f} s")


@contextlib.contextmanager
def _gunicorn(
    *, env: dict, workers: int, threads: int, app: str = "lms.wsgi:application", preload: bool = False
):
    """Serve the project with gunicorn on a free loopback port; yields the base URL once it listens.

    With ``preload`` the project is loaded before the port opens and every worker is forked from
    it, so all of them answer from the first request (otherwise workers may still be starting
    while the port already accepts connections)."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn and project
        [
            str(Path(sys.executable).parent / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            *(["--preload"] if preload else []),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_answering(port, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted ``values`` lie (0 when there are none)."""
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else 0.0


def _prepare(learners: int) -> tuple[list[str], list[str]]:
    """Migrate, load, and make ``learners`` signed-in prescribers: (their session keys, the lesson paths)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from courses.models import LessonPage, ProgrammePage
    from lms import roles
    from lms.models import User

    call_command("migrate", verbosity=0)
    call_command("load_programme", verbosity=0, stdout=io.StringIO())
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    lessons = [lesson.url for lesson in LessonPage.objects.live().child_of(programme).order_by("path")]
    group = Group.objects.get(name=roles.PRESCRIBER)
    sessions = []
    for number in range(learners):
        user = User.objects.create_user(
            email=f"klasse{number}@example.com",
            password="bench-pass-2026",  # noqa: S106 - a throw-away database
            full_name=f"Lege {number}",
            hpr_number=str(2000000 + number),
        )
        user.groups.add(group)
        user.emailaddress_set.create(email=user.email, verified=True, primary=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    return sessions, lessons


def _learner(base: str, session_key: str, lessons: list, start: threading.Barrier, results: list) -> None:
    import requests

    http = requests.Session()
    http.cookies.set("sessionid", session_key)
    start.wait()
    for path in lessons:
        for method in ("GET", "POST"):
            began = time.perf_counter()
            try:
                if method == "GET":
                    page = http.get(base + path, timeout=60)
                    status = page.status_code
                    form = re.search(r'action="([^"]+/read/)"', page.text)
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                    if not (form and token):
                        results.append((status if status >= 500 else 599, time.perf_counter() - began))
                        break
                else:
                    status = http.post(
                        base + form.group(1),
                        data={"csrfmiddlewaretoken": token.group(1)},
                        headers={"Referer": base + path},
                        allow_redirects=False,
                        timeout=60,
                    ).status_code
            except requests.RequestException:
                status = 599
            results.append((status, time.perf_counter() - began))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "DATABASE_URL": f"sqlite:///{directory}/classroom.sqlite3",
        }
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        sessions, lessons = _prepare(args.learners)
        with _gunicorn(env=env, workers=args.workers, threads=args.threads) as base:
            results: list = []
            start = threading.Barrier(len(sessions))
            threads = [
                threading.Thread(target=_learner, args=(base, session, lessons, start, results))
                for session in sessions
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    failures = sum(1 for status, _ in results if status >= 500)
    expected = len(sessions) * len(lessons) * 2
    times = [elapsed for _, elapsed in results]
    median = statistics.median(times) * 1000 if times else 0
    print(
        f"{args.learners} learners x {len(lessons)} lessons, each read and marked read "
        f"({args.workers} gunicorn workers x {args.threads} threads); {expected} requests expected"
    )
    print(
        # A learner whose page came without its form stops there: its missing requests count too.
        f"classroom_sqlite: errors {failures + expected - len(results)} of {expected} "
        f"(goal {GOAL_FAILURES}), "
        f"median {median:.0f}ms, p95 {_percentile(times, 0.95) * 1000:.0f}ms"
    )
    return 0 if failures <= GOAL_FAILURES and len(results) == expected else 1


if __name__ == "__main__":
    sys.exit(main())
