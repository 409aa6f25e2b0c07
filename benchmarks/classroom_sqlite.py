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
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn and project
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "lms.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
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
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    failures = sum(1 for status, _ in results if status >= 500)
    expected = len(sessions) * len(lessons) * 2
    times = sorted(elapsed for _, elapsed in results)
    p95 = times[int(0.95 * (len(times) - 1))] * 1000 if times else 0
    print(
        f"sqlite classroom: {args.learners} learners x {len(lessons)} lessons: {failures} of "
        f"{len(results)} requests failed (goal {GOAL_FAILURES}; {expected} expected); "
        f"median {statistics.median(times) * 1000 if times else 0:.0f} ms, p95 {p95:.0f} ms "
        f"({args.workers} gunicorn workers x {args.threads} threads)"
    )
    return 0 if failures <= GOAL_FAILURES and len(results) == expected else 1


if __name__ == "__main__":
    sys.exit(main())
