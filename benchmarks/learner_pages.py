"""Benchmark: 50 signed-in learners load the programme page, a lesson and the quiz page at once.

    .venv/bin/python benchmarks/learner_pages.py [--learners 50] [--rounds 3] [--database both|sqlite|...]

(part of ``make bench``). For each database, in a throw-away database of its own: migrate, load the
Lemtrada programme, create the learners with their sessions (``classroom_sqlite._prepare``), mark
every lesson read for them so the quiz page offers the quiz, and serve the project with gunicorn
(``classroom_sqlite._gunicorn``, 4 workers x 8 threads). Then every learner, in its own thread and
all at the same moment, opens the programme page, one lesson and the quiz page, ``--rounds`` times.

SQLite is the embedded default; PostgreSQL is the server in ``DATABASE_URL`` or, without it, a
throw-away cluster (``pgcluster.py``); when neither is possible the PostgreSQL run is skipped and
says why. An error is any answer other than 200 with the page expected (a redirect to sign-in, a
4xx, a 5xx or no answer). Printed per database: ``learner_pages_<db>: errors E of N (goal 0), p95``.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from classroom_sqlite import _gunicorn, _percentile, _prepare

ROOT = Path(__file__).resolve().parent.parent
GOAL_ERRORS = 0


def _pages() -> tuple[list[str], list[str]]:
    """After ``_prepare``: marks every lesson read for every learner, so the quiz page offers the
    quiz. Returns ([the programme page, the quiz page], the lesson pages)."""
    from django.urls import reverse
    from django.utils import translation

    from courses.models import LessonPage, ProgrammePage
    from courses.services import lesson_mark_read, lesson_opened_record
    from lms.models import User

    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    lessons = list(LessonPage.objects.live().child_of(programme).order_by("path"))
    for user in User.objects.filter(email__startswith="klasse"):
        for lesson in lessons:
            lesson_opened_record(user=user, lesson=lesson)
            lesson_mark_read(user=user, lesson=lesson)
    with translation.override("nb"):
        quiz = reverse("quizzes:quiz", kwargs={"slug": programme.slug})
    return [programme.url, quiz], [lesson.url for lesson in lessons]


def _learner(base: str, session_key: str, paths: list[str], rounds: int, start, results) -> None:
    import requests

    http = requests.Session()
    http.cookies.set("sessionid", session_key)
    start.wait()
    for _ in range(rounds):
        for path in paths:
            began = time.perf_counter()
            try:
                page = http.get(base + path, allow_redirects=False, timeout=120)
                # The quiz page of a learner who read every lesson offers to start the quiz.
                is_quiz = path.rstrip("/").endswith("/quiz/lemtrada")
                ok = page.status_code == 200 and (not is_quiz or "/quiz/lemtrada/start/" in page.text)
                problem = "" if ok else f"{path}: {page.status_code}"
            except requests.RequestException as error:
                ok, problem = False, f"{path}: {error!r}"
            results.append((ok, time.perf_counter() - began, problem))


def _child(args) -> int:
    """One database: prepare, serve, load, print the line."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test", "DATABASE_URL": args.database_url}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    sessions, _ = _prepare(args.learners)
    (programme, quiz), lessons = _pages()
    from django.db import connections

    connections.close_all()
    results: list = []
    with _gunicorn(env=env, workers=args.workers, threads=args.threads, preload=True) as base:
        start = threading.Barrier(len(sessions))
        threads = [
            threading.Thread(
                target=_learner,
                args=(base, key, [programme, lessons[n % len(lessons)], quiz], args.rounds, start, results),
            )
            for n, key in enumerate(sessions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    errors = [problem for ok, _, problem in results if not ok]
    times = [elapsed for _, elapsed, _ in results]
    expected = len(sessions) * 3 * args.rounds
    print(
        f"{args.label}: {args.description}; {args.learners} learners x {args.rounds} rounds of programme, "
        f"lesson, quiz ({args.workers} gunicorn workers x {args.threads} threads); median "
        f"{statistics.median(times) * 1000 if times else 0:.0f}ms"
    )
    for problem in errors[:3]:
        print(f"  error: {problem}")
    print(
        f"learner_pages_{args.label}: errors {len(errors) + expected - len(results)} of {expected} "
        f"(goal {GOAL_ERRORS}), p95 {_percentile(times, 0.95) * 1000:.0f}ms",
        flush=True,
    )
    return 0 if not errors and len(results) == expected else 1


def _run_child(args, *, label: str, url: str, description: str) -> int:
    command = [sys.executable, __file__, "--child", "--label", label, "--database-url", url]
    command += ["--description", description, "--learners", str(args.learners), "--rounds", str(args.rounds)]
    command += ["--workers", str(args.workers), "--threads", str(args.threads)]
    return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 - this script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="times each learner loads the three pages")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--description", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    failed = 0
    if args.database in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{directory}/learner_pages.sqlite3"
            failed |= _run_child(args, label="sqlite", url=url, description="SQLite (the embedded default)")
    if args.database in ("both", "postgres"):
        from attestation_export import _database, _drop
        from pgcluster import postgres_server

        with postgres_server() as (server, description):
            if server is None:
                print(f"learner_pages_postgres: skipped: {description}")
                return failed or (1 if args.database == "postgres" else 0)
            url, name = _database(server)
            try:
                failed |= _run_child(args, label="postgres", url=url, description=description)
            finally:
                _drop(server, name)
    return failed


if __name__ == "__main__":
    sys.exit(main())
