"""The task worker killed while rendering a PDF: the attestation is never half-written, and once a
worker runs again the PDF is rendered and its stored SHA-256 is the file's.

Real processes: ``manage.py db_worker`` runs as a subprocess on the test's database (a file copy of
it on SQLite, the test database itself on PostgreSQL) and is killed with SIGKILL, which no code can
catch. django-tasks-db leaves the task it was running marked RUNNING for ever; the worker started
next recovers it (``certificates.tasks.recover_interrupted_renders``).

To kill a render half-way without a hook in the product, the attestation is first given 1,000 key
messages: WeasyPrint takes several seconds to lay out such a document (about 7 s on a quiet 2-CPU
machine), and the kill comes one second after the task is claimed. Were the render done by then,
the PDF would be stored and the test would fail, not pass. The worker started next renders the
attestation as issued.
"""

import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from certificates import tasks
from certificates.models import Attestation, AttestationDocument
from lms.models import User
from quizzes import services as quiz_services
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RENDER_TASK = tasks.render_attestation.module_path
LONG_KEY_MESSAGES = [
    f"Key message {n}: check the blood counts and the liver every month." for n in range(1000)
]


def issue_attestation(*, programme):
    """A prescriber passes the quiz; the attestation is issued and its render queued (not run)."""
    user = factories.PrescriberFactory()
    factories.read_all(user, programme)
    with override_settings(TASKS=DATABASE_TASKS):
        attempt = quiz_services.attempt_start(user=user, programme=programme)
        quiz_services.attempt_submit(
            attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt)
        )
    return Attestation.objects.get(attempt=attempt)


def wait_for(predicate, *, timeout, what, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    log = f"\nWorker log:\n{worker.output()}" if worker else ""
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}{log}")


class WorkerDatabase:
    """The database the worker subprocess uses, and the alias the test reads it through.

    PostgreSQL: the test database itself (rows are committed: a transactional test). SQLite: the
    test database is in memory, out of another process's reach, so it is copied to a file
    (``VACUUM INTO``), which the test then reads through a connection of its own."""

    alias = "default"

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.log = tmp_path / "worker.log"
        self.env = {
            **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        }
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            self.env["DATABASE_URL"] = (
                f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}"
                f":{settings['PORT'] or 5432}/{settings['NAME']}"
            )

    def publish(self):
        """Make what the test wrote so far visible to a worker process."""
        if connection.vendor != "sqlite":
            return
        path = self.tmp_path / "worker.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        self.env["DATABASE_URL"] = f"sqlite:///{path}"
        self.alias = "worker_file"
        # A connection made here, not listed in DATABASES: Django's test case allows it.
        connections[self.alias] = connections["default"].__class__(
            {**connection.settings_dict, "NAME": str(path)}, self.alias
        )

    def close(self):
        if self.alias != "default":
            connections[self.alias].close()
            del connections[self.alias]

    def attestation(self, pk):
        return Attestation.objects.using(self.alias).values().get(pk=pk)

    def document(self, pk):
        return AttestationDocument.objects.using(self.alias).filter(attestation_id=pk).first()

    def render_tasks(self):
        return list(
            DBTaskResult.objects.using(self.alias).filter(task_path=RENDER_TASK).order_by("enqueued_at")
        )


class Worker:
    """``manage.py db_worker`` as its own process."""

    def __init__(self, database):
        self.database = database
        self.process = None

    def start(self):
        log = self.database.log.open("a")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=self.database.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def kill(self):
        """SIGKILL, then reap the process (a zombie would still look alive)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self):
        return self.database.log.read_text()[-3000:]


@pytest.fixture
def worker_database(tmp_path):
    database = WorkerDatabase(tmp_path)
    yield database
    database.close()


@pytest.fixture
def workers(worker_database):
    started = []

    def start():
        worker = Worker(worker_database).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def assert_complete_pdf(db, pk):
    """The stored PDF is whole: a valid PDF whose stored SHA-256 and size are the bytes' own."""
    document = db.document(pk)
    content = bytes(document.content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    assert len(reader.pages) >= 1
    return document


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_render_leaves_no_pdf_and_the_next_worker_renders_it(
    worker_database, workers, programme_with_bank
):
    db = worker_database
    attestation = issue_attestation(programme=programme_with_bank)
    Attestation.objects.filter(pk=attestation.pk).update(key_messages=LONG_KEY_MESSAGES)
    db.publish()
    before = db.attestation(attestation.pk)
    [queued] = db.render_tasks()
    assert queued.status == TaskResultStatus.READY

    first = workers()
    wait_for(
        lambda: db.render_tasks()[0].status == TaskResultStatus.RUNNING,
        timeout=60,
        what="the worker to claim the render",
        worker=first,
    )
    time.sleep(1)  # the render is under way: Django is loaded, the task claimed
    first.kill()

    # Killed mid-render: the attestation as it was, no PDF; the task stays RUNNING, never retried.
    assert db.attestation(attestation.pk) == before
    assert before["pdf_status"] == Attestation.PdfStatus.PENDING
    assert db.document(attestation.pk) is None
    [stuck] = db.render_tasks()
    assert stuck.status == TaskResultStatus.RUNNING
    assert stuck.worker_ids[-1].startswith(f"{socket.gethostname()[:40]}:{first.process.pid}:")

    # The long document has served its purpose: the next render is of the attestation as issued.
    Attestation.objects.using(db.alias).filter(pk=attestation.pk).update(
        key_messages=attestation.key_messages
    )
    before["key_messages"] = attestation.key_messages
    second = workers()
    wait_for(
        lambda: db.attestation(attestation.pk)["pdf_status"] == Attestation.PdfStatus.READY,
        timeout=90,
        what="the next worker to render the PDF",
        worker=second,
    )
    document = assert_complete_pdf(db, attestation.pk)
    assert attestation.serial in pypdf.PdfReader(io.BytesIO(bytes(document.content))).pages[0].extract_text()
    after = db.attestation(attestation.pk)
    assert after["pdf_attempts"] == 1
    assert after["holder_notified_at"] is not None  # the holder was e-mailed that the PDF is ready
    unchanged = before.keys() - {"pdf_status", "pdf_attempts", "holder_notified_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    lost, rerun = db.render_tasks()
    assert lost.pk == stuck.pk and lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "certificates.tasks.WorkerLost"
    assert rerun.status == TaskResultStatus.SUCCESSFUL


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="holds a row lock in PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_writing_the_pdf_leaves_no_part_of_it(
    worker_database, workers, programme_with_bank
):
    """The worker is held inside its write transaction, mid-INSERT of the PDF (a second transaction
    holds the attestation's one document slot), and killed there: nothing of the PDF remains."""
    db = worker_database
    attestation = issue_attestation(programme=programme_with_bank)
    db.publish()

    with transaction.atomic():
        # Takes the unique slot of the attestation's document until this block rolls back.
        AttestationDocument.objects.create(
            attestation=attestation, content=b"", sha256="0" * 64, size=0, rendered_at=timezone.now()
        )
        first = workers()

        def worker_waits_in_insert():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND query LIKE 'INSERT INTO \"certificates_attestationdocument\"%'"
                )
                return cursor.fetchone()

        [backend_pid] = wait_for(
            worker_waits_in_insert, timeout=60, what="the worker to write the PDF", worker=first
        )
        first.kill()
        transaction.set_rollback(True)

    def backend_gone():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend_pid])
            return cursor.fetchone()[0] == 0

    wait_for(backend_gone, timeout=20, what="PostgreSQL to end the killed worker's session")
    assert db.document(attestation.pk) is None
    assert db.attestation(attestation.pk)["pdf_status"] == Attestation.PdfStatus.PENDING

    second = workers()
    wait_for(
        lambda: db.attestation(attestation.pk)["pdf_status"] == Attestation.PdfStatus.READY,
        timeout=90,
        what="the next worker to render the PDF",
        worker=second,
    )
    assert_complete_pdf(db, attestation.pk)
    assert AttestationDocument.objects.filter(attestation=attestation).count() == 1


# Recovery, in-process (no worker process): which tasks count as cut off -------------------------


def dead_pid():
    process = subprocess.Popen(["true"])  # noqa: S603, S607
    process.wait()
    return process.pid


def claimed_render(attestation, *, worker_id):
    with override_settings(TASKS=DATABASE_TASKS):
        result = tasks.render_attestation.enqueue(attestation.pk)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    return row


@pytest.fixture
def pending_attestation(programme_with_bank):
    with override_settings(TASKS=DATABASE_TASKS):
        attestation = issue_attestation(programme=programme_with_bank)
    DBTaskResult.objects.all().delete()  # on_commit never runs here; start from no task at all
    return attestation


def recover():
    with override_settings(TASKS=DATABASE_TASKS):
        return tasks.recover_interrupted_renders()


@pytest.mark.django_db
def test_a_render_claimed_by_a_dead_worker_of_this_host_is_failed_and_queued_again(pending_attestation):
    stuck = claimed_render(pending_attestation, worker_id=f"{socket.gethostname()}:{dead_pid()}:abcdefgh")

    assert recover() == 1

    stuck.refresh_from_db()
    assert stuck.status == TaskResultStatus.FAILED
    assert stuck.exception_class_path == "certificates.tasks.WorkerLost"
    queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=RENDER_TASK)
    assert [row.args_kwargs["args"] for row in queued] == [[pending_attestation.pk]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "worker_id",
    [
        pytest.param(lambda: f"{socket.gethostname()}:{os.getppid()}:abcdefgh", id="alive-on-this-host"),
        pytest.param(lambda: f"another-host:{dead_pid()}:abcdefgh", id="another-host"),
        pytest.param(lambda: "x" * 32, id="id-without-host-and-pid"),
    ],
)
def test_a_render_that_may_still_be_running_is_left_alone(pending_attestation, worker_id):
    running = claimed_render(pending_attestation, worker_id=worker_id())

    assert recover() == 0

    running.refresh_from_db()
    assert running.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_pending_pdf_without_any_task_is_queued_and_one_already_queued_is_not(pending_attestation):
    assert recover() == 1
    assert recover() == 0  # the task queued by the first call is waiting
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


@pytest.mark.django_db
def test_a_pdf_failed_for_good_is_not_queued_at_worker_start(pending_attestation):
    Attestation.objects.filter(pk=pending_attestation.pk).update(pdf_status=Attestation.PdfStatus.FAILED)

    assert recover() == 0
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_pdf_held_back_for_an_unconfirmed_hpr_number_is_not_queued_at_worker_start(pending_attestation):
    User.objects.filter(pk=pending_attestation.user_id).update(hpr_verified_at=None)

    assert recover() == 0
    assert not DBTaskResult.objects.exists()
