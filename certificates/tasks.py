"""Background work (django-tasks; the database backend's worker is ``manage.py db_worker``).

Tasks carry ids only. A failed render is retried with a growing delay where the backend can
defer; the daily job (``attestations_daily``) queues again whatever is still not rendered.
"""

import datetime

from django.utils import timezone
from django_tasks import task

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
