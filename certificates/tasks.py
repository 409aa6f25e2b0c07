"""Background work (django-tasks; the database backend's worker is ``manage.py db_worker``).

Tasks carry ids only. A failed render is retried with a growing delay where the backend can
defer; the daily job (``attestations_daily``) queues again whatever is still not rendered.

A worker that dies mid-task (SIGKILL, out of memory, power loss) leaves its task marked
RUNNING for ever: django-tasks-db never hands it out again (RealOrangeOne/django-tasks#46).
Rendering writes nothing until the whole PDF is made, and then writes it in one transaction,
so such a death leaves the attestation without a PDF, never with part of one. The worker
(``manage.py db_worker``, extended in ``certificates/management/commands/db_worker.py``)
claims tasks as ``host:pid:…`` and, when it starts, calls ``recover_interrupted_renders``.
"""

import datetime
import os
import socket

from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from . import selectors, services
from .models import Attestation


@task()
def render_attestation(attestation_id: int) -> str:
    """Render and store one attestation's PDF; on failure, queue a retry and raise."""
    try:
        return services.attestation_render(attestation_id=attestation_id).pdf_status
    except Exception:
        attempts = (
            Attestation.objects.filter(pk=attestation_id).values_list("pdf_attempts", flat=True).first()
        )
        if attempts is not None and attempts < services.MAX_RENDER_ATTEMPTS:
            # 1, 4, 9, 16 minutes.
            queue_render(attestation_id, run_after=timezone.now() + datetime.timedelta(minutes=attempts**2))
        raise


def queue_render(attestation_id: int, *, run_after=None) -> None:
    """Queue a render. A delayed retry needs a backend that can defer; without one (the
    immediate backend of the tests) the daily job retries instead."""
    job = render_attestation
    if run_after is not None:
        if not job.get_backend().supports_defer:
            return
        job = job.using(run_after=run_after)
    job.enqueue(attestation_id)


def queue_renders(attestation_ids) -> None:
    """Queue PDFs held back or failed (e.g. after the holder's HPR number is confirmed), failed
    ones with a fresh set of attempts."""
    for attestation_id in attestation_ids:
        services.attestation_render_reset(attestation_id=attestation_id)
        queue_render(attestation_id)


def queue_unrendered(*, older_than=datetime.timedelta(minutes=10), now=None) -> int:
    """Queue again every PDF not rendered yet, failed ones with a fresh set of attempts."""
    ids = selectors.attestations_awaiting_render(older_than=older_than, now=now)
    for attestation_id in ids:
        services.attestation_render_reset(attestation_id=attestation_id)
        queue_render(attestation_id)
    return len(ids)


class WorkerLost(Exception):
    """The worker that claimed a task stopped before finishing it (recorded as the task's error)."""


def worker_id() -> str:
    """The id a worker claims tasks under, ``host:pid:random``: a worker started later on the same
    host can tell that the process which claimed a task is gone."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _claimed_by_dead_worker(worker_ids) -> bool:
    """True when the last worker that claimed a task ran on this host and its process is gone.

    A task claimed on another host (or under an id of another form) counts as alive: the daily
    job queues its PDF again once it is ten minutes old."""
    if not worker_ids:
        return False
    host, pid, _random = (str(worker_ids[-1]).rsplit(":", 2) + ["", ""])[:3]
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True  # an earlier process with this very id (a restarted container): not running now
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_interrupted_renders() -> int:
    """Give every pending PDF a render on its way; returns how many were queued again.

    Render tasks left RUNNING by a worker of this host that no longer runs are recorded as
    failed (``WorkerLost``). Then every attestation whose PDF is pending (the holder's HPR
    number confirmed, not failed for good) and has no render task queued (including a delayed
    retry) or running is queued again: the render cut off by a killed worker, one stopped by
    Ctrl-C twice, one whose queueing after issue failed. Rendering is idempotent (a PDF already
    stored is kept), so a render queued twice stores one PDF.
    """
    path = render_attestation.module_path
    for result in DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.RUNNING):
        if _claimed_by_dead_worker(result.worker_ids):
            result.set_failed(WorkerLost(f"Worker {result.worker_ids[-1]} stopped before finishing."))
    under_way = set()
    open_tasks = DBTaskResult.objects.filter(
        task_path=path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("args_kwargs", flat=True)
    for args_kwargs in open_tasks:
        under_way.update(args_kwargs.get("args", [])[:1])
        under_way.update([args_kwargs.get("kwargs", {}).get("attestation_id")])
    ids = [pk for pk in selectors.attestations_pending_render() if pk not in under_way]
    for attestation_id in ids:
        queue_render(attestation_id)
    return len(ids)
