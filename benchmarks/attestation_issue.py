"""Benchmark: issuing one attestation end to end against a bare WeasyPrint render of the same HTML.

    DJANGO_SETTINGS_MODULE=lms.settings.test .venv/bin/python benchmarks/attestation_issue.py [--runs N]

(or ``make bench``). Works in a throw-away SQLite database that it migrates itself, loads the
Lemtrada programme into and deletes afterwards. For each run a different prescriber, who has
passed the quiz, gets an attestation:

- *issue*: ``services.attestation_issue`` (serial, snapshots, superseding, in a transaction)
  then ``services.attestation_render`` (HTML, QR code, PDF/A-3u through the static-only URL
  fetcher, SHA-256, the stored document, the "ready" e-mail);
- *bare*: ``weasyprint.HTML(string=<the same HTML>).write_pdf(pdf_variant="pdf/a-3u")`` with
  WeasyPrint's default URL fetcher: the least any attestation PDF can cost.

The two alternate, after warm-up runs; the ratio of their medians is the figure (goal: at most
1.3×). The ratio of the fastest runs is printed too: it is steadier on a busy machine.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.3


def _setup(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_programme", verbosity=0, stdout=io.StringIO())


def _passed_attempts(count: int, language: str) -> list:
    """``count`` prescribers who passed the quiz, without their attestations issued yet."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from courses.models import LessonPage, ProgrammePage
    from courses.services import lesson_mark_read, lesson_opened_record
    from lms import roles
    from lms.models import User
    from quizzes import services as quiz_services
    from quizzes.signals import quiz_passed

    page = ProgrammePage.objects.get(slug="lemtrada", locale__language_code=language)
    lessons = list(LessonPage.objects.child_of(page))
    group = Group.objects.get(name=roles.PRESCRIBER)
    attempts = []
    # Score without the receiver, so that issuing can be timed on its own below.
    quiz_passed.disconnect(dispatch_uid="certificates.issue_on_pass")
    try:
        for n in range(count):
            user = User.objects.create(
                email=f"bench{n}@example.org",
                full_name=f"Bench Prescriber {n}",
                profession="physician",
                hpr_number=f"{9000000 + n}",
                # Confirmed, or the PDF is held back until it is (``selectors.attestation_may_render``).
                hpr_verified_at=timezone.now(),
                workplace="Haukeland universitetssjukehus",
            )
            user.groups.add(group)
            for lesson in lessons:
                lesson_opened_record(user=user, lesson=lesson)
                lesson_mark_read(user=user, lesson=lesson)
            attempt = quiz_services.attempt_start(user=user, programme=page)
            answers = {
                str(item.pk): [o["token"] for o in item.options if o["id"] in item.correct_option_ids]
                for item in attempt.items.all()
            }
            attempt = quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)
            if not attempt.passed:
                raise RuntimeError("The benchmark's answers did not pass the quiz.")
            attempts.append(attempt)
    finally:
        from certificates import receivers

        quiz_passed.connect(receivers.issue_on_pass, dispatch_uid="certificates.issue_on_pass")
    return attempts


def _issue(attempt) -> tuple[float, object]:
    from certificates import services
    from certificates.models import Attestation

    started = time.perf_counter()
    attestation = services.attestation_issue(attempt=attempt)
    attestation = services.attestation_render(attestation_id=attestation.pk)
    elapsed = time.perf_counter() - started
    if attestation.pdf_status != Attestation.PdfStatus.READY:
        raise RuntimeError(f"Rendering failed: {attestation.pdf_error}")
    return elapsed, attestation


def _bare(html: str) -> float:
    from weasyprint import HTML

    from certificates.pdf import STATIC_DIR

    started = time.perf_counter()
    HTML(string=html, base_url=STATIC_DIR.as_uri() + "/").write_pdf(pdf_variant="pdf/a-3u")
    return time.perf_counter() - started


def _milliseconds(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms   fastest {min(values) * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each first (default 3)")
    parser.add_argument("--language", choices=["nb", "en"], default="nb")
    options = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="attestation-bench-")
    try:
        print("Preparing a throw-away database with the Lemtrada programme …", flush=True)
        _setup(directory)
        from certificates import pdf, signing

        attempts = _passed_attempts(options.warmup + options.runs, options.language)
        issue_times, bare_times = [], []
        for index, attempt in enumerate(attempts):
            issued, attestation = _issue(attempt)
            bare = _bare(
                pdf.attestation_html(
                    attestation, seal_text=attestation.document.seal, material=signing.configured_material()
                )
            )
            if index >= options.warmup:
                issue_times.append(issued)
                bare_times.append(bare)
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    ratio = statistics.median(issue_times) / statistics.median(bare_times)
    fastest = min(issue_times) / min(bare_times)
    print(
        f"Attestation PDF ({options.language}), {options.runs} runs each after {options.warmup} warm-up runs"
    )
    print(f"  issue end to end (record, QR, PDF, SHA-256, stored, e-mail): {_milliseconds(issue_times)}")
    print(f"  bare WeasyPrint render of the same HTML:                     {_milliseconds(bare_times)}")
    print(f"  ratio of medians: {ratio:.2f}×   (of the fastest runs: {fastest:.2f}×)")
    print(f"  goal ≤ {GOAL}×: {'met' if ratio <= GOAL else 'NOT met'}")
    print(
        f"attestation_issue: ratio {ratio:.2f} (goal {GOAL}) issue median "
        f"{statistics.median(issue_times) * 1000:.0f}ms, "
        f"bare WeasyPrint {statistics.median(bare_times) * 1000:.0f}ms"
    )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
