"""State changes for attestations: issue on a pass, render the PDF, revoke, require renewal.

Every change happens inside ``transaction.atomic``; side effects (rendering, e-mail) run
after commit, so a failure there never undoes what was decided.
"""

import calendar
import datetime
import hashlib
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.selectors import programme_content_version, programme_in_default_locale

from . import notifications, pdf
from .models import Attestation, AttestationDocument, SerialCounter

logger = logging.getLogger(__name__)

MAX_RENDER_ATTEMPTS = 5


class AttestationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the last day of the month when that day does not exist)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(*, issued_on: datetime.date, months: int) -> datetime.date:
    """Valid through the day before the same date ``months`` later (12 months: one full year)."""
    return add_months(issued_on, months) - datetime.timedelta(days=1)


def _next_serial(*, prefix: str, year: int) -> str:
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def _key_messages(programme) -> list[str]:
    """The headings of the programme's key messages, in reading order (in the attempt's language)."""
    from courses.selectors import programme_lessons

    headings = []
    for lesson in programme_lessons(programme=programme):
        for block in lesson.body:
            if block.block_type == "key_message":
                headings.append(str(block.value["heading"]))
    return headings


@transaction.atomic
def attestation_issue(*, attempt, now=None) -> Attestation:
    """Issue the attestation a passing attempt earned, in the scoring transaction.

    Whatever the prescriber held for this programme before is superseded, so at most one
    attestation is active (also enforced by a partial unique index). The holder's row is
    locked first, so two passes at the same moment queue up instead of colliding. The PDF
    is rendered after commit by a background task.
    """
    existing = Attestation.objects.filter(attempt=attempt).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    user = get_user_model().objects.select_for_update().get(pk=attempt.user_id)
    source = programme_in_default_locale(programme=attempt.programme)
    shown = _translation(source, attempt.language)
    issued_on = timezone.localtime(now).date()
    attestation = Attestation(
        serial=_next_serial(prefix=source.attestation_prefix, year=issued_on.year),
        user=user,
        programme=source,
        programme_key=source.translation_key,
        attempt=attempt,
        programme_revision_id=source.live_revision_id,
        content_version=programme_content_version(programme_key=source.translation_key),
        language=attempt.language,
        holder_name=user.get_full_name(),
        hpr_number=user.hpr_number or "",
        programme_title=shown.title,
        product=shown.product,
        key_messages=_key_messages(shown),
        issued_at=now,
        valid_until=valid_until_for(issued_on=issued_on, months=source.attestation_validity_months),
    )
    previous = list(
        Attestation.objects.select_for_update().filter(
            user=user, programme_key=source.translation_key, state=Attestation.State.ACTIVE
        )
    )
    Attestation.objects.filter(pk__in=[p.pk for p in previous]).update(
        state=Attestation.State.SUPERSEDED, superseded_at=now
    )
    attestation.save()
    Attestation.objects.filter(pk__in=[p.pk for p in previous]).update(superseded_by=attestation)
    transaction.on_commit(lambda: _enqueue_render(attestation.pk))
    return attestation


def _translation(source, language: str):
    if source.locale.language_code == language:
        return source
    from wagtail.models import Locale

    locale = Locale.objects.filter(language_code=language).first()
    translated = source.get_translation_or_none(locale) if locale else None
    return translated if translated is not None and translated.live else source


def _enqueue_render(attestation_id: int, *, run_after=None) -> None:
    """Queue the render. A retry (``run_after``) needs a backend that can defer; without one
    (the immediate backend of the tests) the daily job retries instead."""
    from .tasks import render_attestation

    task = render_attestation
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=run_after)
    task.enqueue(attestation_id)


def attestation_render(*, attestation_id: int) -> Attestation:
    """Render and store the PDF, then tell the holder. A failure is recorded and retried later.

    Called by the background task. The PDF is rendered once; its bytes and SHA-256 are
    stored, so every download gives exactly the same file.
    """
    attestation = Attestation.objects.select_related("user").get(pk=attestation_id)
    if attestation.pdf_status == Attestation.PdfStatus.READY:
        return attestation
    try:
        content = pdf.render_attestation_pdf(attestation)
    except Exception as error:
        attempts = attestation.pdf_attempts + 1
        failed = attempts >= MAX_RENDER_ATTEMPTS
        Attestation.objects.filter(pk=attestation.pk).update(
            pdf_attempts=attempts,
            pdf_error=f"{error.__class__.__name__}: {error}"[:2000],
            pdf_status=Attestation.PdfStatus.FAILED if failed else Attestation.PdfStatus.PENDING,
        )
        logger.exception("Rendering attestation %s failed (attempt %s)", attestation.serial, attempts)
        if not failed:
            # Back off: 1, 4, 9, 16 minutes (where the task backend can defer).
            _enqueue_render(
                attestation.pk, run_after=timezone.now() + datetime.timedelta(minutes=attempts**2)
            )
        raise
    with transaction.atomic():
        locked = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if locked.pdf_status == Attestation.PdfStatus.READY:
            return locked
        AttestationDocument.objects.create(
            attestation=locked,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            rendered_at=timezone.now(),
        )
        locked.pdf_status = Attestation.PdfStatus.READY
        locked.pdf_attempts += 1
        locked.pdf_error = ""
        locked.save(update_fields=["pdf_status", "pdf_attempts", "pdf_error"])
        transaction.on_commit(lambda: notifications.attestation_ready(attestation_id=locked.pk))
    return locked


def attestation_retry_renders(*, older_than=datetime.timedelta(minutes=10), now=None) -> int:
    """Queue again every PDF still not rendered (also those that failed): for the daily job."""
    now = now or timezone.now()
    stuck = Attestation.objects.filter(
        pdf_status__in=[Attestation.PdfStatus.PENDING, Attestation.PdfStatus.FAILED],
        issued_at__lte=now - older_than,
    ).values_list("pk", flat=True)
    count = 0
    for pk in stuck:
        Attestation.objects.filter(pk=pk, pdf_status=Attestation.PdfStatus.FAILED).update(
            pdf_status=Attestation.PdfStatus.PENDING, pdf_attempts=0
        )
        _enqueue_render(pk)
        count += 1
    return count


@transaction.atomic
def attestation_revoke(*, attestation, by, reason: str, now=None) -> Attestation:
    """Revoke an attestation with a reason; the verify page and API say ``revoked`` at once."""
    reason = (reason or "").strip()
    if not reason:
        raise AttestationError("A reason is required to revoke an attestation.", code="reason_required")
    locked = Attestation.objects.select_for_update().get(pk=attestation.pk)
    if locked.state == Attestation.State.REVOKED:
        raise AttestationError("This attestation is already revoked.", code="already_revoked")
    if locked.state == Attestation.State.SUPERSEDED:
        raise AttestationError("A superseded attestation cannot be revoked.", code="superseded")
    locked.state = Attestation.State.REVOKED
    locked.revoked_at = now or timezone.now()
    locked.revoked_by = by
    locked.revocation_reason = reason
    locked.save(update_fields=["state", "revoked_at", "revoked_by", "revocation_reason"])
    transaction.on_commit(lambda: notifications.attestation_revoked(attestation_id=locked.pk))
    return locked


@transaction.atomic
def attestations_require_renewal(*, change, now=None) -> int:
    """A material change was published: attestations bound to earlier content must be renewed.

    They stay valid for the programme's grace period, then need renewal. Holders are told
    what changed. A second programme is never touched.
    """
    from courses.models import ProgrammePage

    source = ProgrammePage.objects.filter(translation_key=change.programme_key).first()
    source = programme_in_default_locale(programme=source) if source else None
    grace = datetime.timedelta(days=source.renewal_grace_days if source else 30)
    published = change.published_at or now or timezone.now()
    due = published + grace
    affected = Attestation.objects.filter(
        programme_key=change.programme_key,
        state=Attestation.State.ACTIVE,
        content_version__lt=change.content_version,
        renewal_required_from__isnull=True,
    )
    ids = list(affected.values_list("pk", flat=True))
    Attestation.objects.filter(pk__in=ids).update(renewal_required_from=due, renewal_change=change)
    if ids:
        transaction.on_commit(lambda: notifications.renewal_required(attestation_ids=ids))
    return len(ids)
