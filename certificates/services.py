"""State changes for attestations: issue on a pass, render the PDF, revoke, require renewal.

Every change happens inside ``transaction.atomic``; side effects (rendering, e-mail) run
after commit, so a failure there never undoes what was decided.
"""

import datetime
import hashlib
import logging
import re
import secrets
import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from audit.services import audit_record, audit_record_queued
from courses.models import ProgrammePage
from courses.selectors import (
    first_material_change_after,
    programme_content_version,
    programme_in_default_locale,
    programme_in_language,
    programme_lessons,
)
from lms.validators import visible_text

from . import notifications, pdf, selectors, signing
from .models import ApiToken, Attestation, AttestationDocument, SerialCounter, SigningKey, TreatmentInitiation
from .selectors import valid_until_for

logger = logging.getLogger(__name__)

MAX_RENDER_ATTEMPTS = 5


class AttestationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def _next_serial(*, prefix: str, year: int) -> str:
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def _key_messages(programme) -> list[str]:
    """The headings of the programme's key messages, in reading order (in the attempt's language)."""
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
    is rendered after commit by a background task (``tasks.render_attestation``, queued by
    the receiver that calls this).
    """
    existing = Attestation.objects.filter(attempt=attempt).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    user = get_user_model().objects.select_for_update().get(pk=attempt.user_id)
    source = programme_in_default_locale(programme=attempt.programme)
    shown = programme_in_language(programme=source, language_code=attempt.language)
    issued_on = timezone.localtime(now).date()
    # What was attested is the content the attempt was drawn from: a material change published
    # while the attempt was open leaves this attestation behind like every other.
    version = attempt.content_version or programme_content_version(programme_key=source.translation_key)
    change = first_material_change_after(programme_key=source.translation_key, version=version)
    attestation = Attestation(
        serial=_next_serial(prefix=source.attestation_prefix, year=issued_on.year),
        user=user,
        programme=source,
        programme_key=source.translation_key,
        attempt=attempt,
        programme_revision_id=source.live_revision_id,
        content_version=version,
        language=attempt.language,
        holder_name=user.get_full_name(),
        hpr_number=user.hpr_number or "",
        programme_title=shown.title,
        product=shown.product,
        key_messages=_key_messages(shown),
        issued_at=now,
        valid_until=valid_until_for(issued_on=issued_on, months=source.attestation_validity_months),
        renewal_required_from=(
            change.published_at + datetime.timedelta(days=source.renewal_grace_days) if change else None
        ),
        renewal_change=change,
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
    audit_record(
        "attestation.issued",
        actor=user,
        obj=attestation,
        payload={
            "programme_key": source.translation_key,
            "attempt": attempt.pk,
            "content_version": version,
            "valid_until": attestation.valid_until,
            "language": attempt.language,
        },
        now=now,
    )
    for old in previous:
        renewed = old.renewal_required_from is not None
        audit_record(
            "attestation.renewed" if renewed else "attestation.superseded",
            actor=user,
            obj=old,
            payload={"by": attestation.serial},
            now=now,
        )
    return attestation


def attestation_render(*, attestation_id: int) -> Attestation:
    """Render and store the PDF, then tell the holder. A failure is recorded and raised.

    Called by the background task, which retries. The PDF is rendered once; its bytes and SHA-256 are
    stored, so every download gives exactly the same file. While the holder's HPR number is not
    confirmed nothing is rendered and the PDF stays pending: the receiver of ``lms.signals.hpr_verified``
    queues it when the number is confirmed.
    """
    attestation = Attestation.objects.select_related("user").get(pk=attestation_id)
    if attestation.pdf_status == Attestation.PdfStatus.READY:
        return attestation
    if not selectors.attestation_may_render(attestation=attestation):
        logger.info(
            "Attestation %s: PDF held back until the holder's HPR number is confirmed", attestation.serial
        )
        return attestation
    try:
        material, key = signing_key_current()
        content, seal_text = pdf.render_attestation_pdf(attestation, material)
    except Exception as error:
        attestation_render_failed(attestation=attestation, error=error)
        raise
    with transaction.atomic():
        locked = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if locked.pdf_status == Attestation.PdfStatus.READY:
            return locked
        AttestationDocument.objects.create(
            attestation=locked,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),  # of the signed file, as downloaded
            size=len(content),
            rendered_at=timezone.now(),
            signing_kid=key.kid,
            seal=seal_text,
        )
        locked.pdf_status = Attestation.PdfStatus.READY
        locked.pdf_attempts += 1
        locked.pdf_error = ""
        locked.save(update_fields=["pdf_status", "pdf_attempts", "pdf_error"])
        transaction.on_commit(lambda: notifications.attestation_ready(attestation_id=locked.pk), robust=True)
    return locked


def signing_key_current() -> tuple:
    """(the signing material, its ``SigningKey`` record): the configured key, recorded the first
    time it signs; the key it replaces is marked retired then (and stays published while
    attestations it signed are unexpired)."""
    material = signing.configured_material()
    key = SigningKey.objects.filter(kid=material.kid).first()
    if key is not None and key.retired_at is not None:
        # Rotated by another process (rotate_signing_key) since this one read its key.
        signing.forget_material()
        material = signing.configured_material()
        key = SigningKey.objects.filter(kid=material.kid).first()
        if key is not None and key.retired_at is not None:
            raise ImproperlyConfigured(
                f"The configured attestation signing key {key.kid} was retired on {key.retired_at:%Y-%m-%d}: "
                "install the current key (README, 'Signed attestations')."
            )
    if key is not None:
        return material, key
    now = timezone.now()
    with transaction.atomic():
        key, created = SigningKey.objects.get_or_create(
            kid=material.kid,
            defaults={
                "signer_name": material.signer_name[:255],
                "certificate_chain": signing.chain_pem(material),
                "not_before": material.certificate.not_valid_before_utc,
                "not_after": material.certificate.not_valid_after_utc,
                "first_used_at": now,
            },
        )
        if created:
            SigningKey.objects.filter(retired_at__isnull=True).exclude(pk=key.pk).update(retired_at=now)
            audit_record(
                "signing_key.activated",
                obj=key,
                payload={"kid": key.kid, "signer": key.signer_name, "not_after": key.not_after.isoformat()},
            )
    return material, key


def attestation_render_failed(*, attestation, error) -> Attestation:
    """Record a failed render; after ``MAX_RENDER_ATTEMPTS`` the PDF is marked failed for staff."""
    attempts = attestation.pdf_attempts + 1
    failed = attempts >= MAX_RENDER_ATTEMPTS
    Attestation.objects.filter(pk=attestation.pk).update(
        pdf_attempts=attempts,
        pdf_error=f"{error.__class__.__name__}: {error}"[:2000],
        pdf_status=Attestation.PdfStatus.FAILED if failed else Attestation.PdfStatus.PENDING,
    )
    logger.error("Rendering attestation %s failed (attempt %s): %s", attestation.serial, attempts, error)
    attestation.refresh_from_db()
    return attestation


def attestation_render_reset(*, attestation_id: int) -> None:
    """A failed PDF gets a fresh set of attempts (the daily job, or staff asking for a retry)."""
    Attestation.objects.filter(pk=attestation_id, pdf_status=Attestation.PdfStatus.FAILED).update(
        pdf_status=Attestation.PdfStatus.PENDING, pdf_attempts=0
    )


@transaction.atomic
def attestation_revoke(*, attestation, by, reason: str, now=None) -> Attestation:
    """Revoke an attestation with a reason; the verify page and API say ``revoked`` at once."""
    reason = visible_text(reason)
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
    audit_record(
        "attestation.revoked", actor=by, obj=locked, payload={"reason": reason}, now=locked.revoked_at
    )
    transaction.on_commit(lambda: notifications.attestation_revoked(attestation_id=locked.pk), robust=True)
    return locked


@transaction.atomic
def attestations_require_renewal(*, change, now=None) -> int:
    """A material change was published: attestations bound to earlier content must be renewed.

    They stay valid for the programme's grace period, then need renewal. Holders are told
    what changed. A second programme is never touched.
    """
    source = ProgrammePage.objects.filter(translation_key=change.programme_key).first()
    source = programme_in_default_locale(programme=source) if source else None
    grace = datetime.timedelta(days=source.renewal_grace_days if source else 30)
    published = change.published_at or now or timezone.now()
    due = published + grace
    behind = Attestation.objects.filter(
        programme_key=change.programme_key,
        state=Attestation.State.ACTIVE,
        content_version__lt=change.content_version,
    )
    ids = list(behind.values_list("pk", flat=True))
    # Holders already due for renewal keep their (earlier) date, but hear about this change too.
    newly = list(behind.filter(renewal_required_from__isnull=True).values_list("pk", "serial"))
    behind.filter(renewal_required_from__isnull=True).update(renewal_required_from=due, renewal_change=change)
    for pk, serial in newly:
        audit_record(
            "attestation.renewal_required",
            object_type=Attestation._meta.label_lower,
            object_id=str(pk),
            object_label=serial,
            payload={"content_version": change.content_version, "change": change.pk, "from": due},
            now=now,
        )
    if ids:
        transaction.on_commit(
            lambda: notifications.renewal_required(attestation_ids=ids, change_id=change.pk), robust=True
        )
    return len(ids)


def attestation_access_record(*, action: str, attestation=None, actor=None, payload=None) -> None:
    """Record in the audit trail that an attestation was downloaded (``attestation.downloaded``)
    or verified on the public page (``attestation.verified``), in the transaction of the request."""
    audit_record(
        action, actor=actor, obj=attestation, object_type=Attestation._meta.label_lower, payload=payload
    )


def attestation_lookup_record(*, attestation=None, payload=None) -> None:
    """Record a status API lookup (``attestation.looked_up``) without waiting for the audit
    chain (``audit.services.audit_record_queued``): pharmacy systems ask many times a second,
    and each lookup would otherwise wait for every other to be chained and committed. The event
    is in the trail before anyone reads the trail."""
    audit_record_queued(
        "attestation.looked_up", obj=attestation, object_type=Attestation._meta.label_lower, payload=payload
    )


# The treatment gate ---------------------------------------------------------------------

#: What a prescriber confirms before a treatment initiation is recorded (from the DHPC of
#: 16 April 2019, as the course teaches it): each must be ``True``.
TREATMENT_CONFIRMATIONS = (
    "adult_highly_active_rrms",
    "vital_signs_monitored",
    "ecg_considered",
    "liver_function_checked",
    "told_symptoms_after_infusion",
    "told_liver_symptoms",
    "told_late_hlh",
)
#: Confirmations asked for once and no longer (records that hold them still show them): the
#: patient alert card is not in the letter or the course, so nobody attested knowing it.
RETIRED_TREATMENT_CONFIRMATIONS = ("alert_card_given",)
#: The letter's two alternatives for a new patient; exactly one is recorded.
INDICATION_BASES = ("inadequate_response", "other_dmt_unsuitable")
PATIENT_REFERENCE_MAX_LENGTH = 40
TREATMENT_REPEAT_WINDOW = datetime.timedelta(minutes=10)

# Eleven or more digits in a row once separators are gone: "010190 12345", "01.01.90-12345",
# "010190/12345", with a zero-width space, or with the letter O standing in for a zero.
_DIGIT_RUN = re.compile(r"[0-9]{11,}")
_SEPARATORS = re.compile(r"[\W_]+")


class TreatmentInputError(AttestationError):
    """The input is incomplete or not allowed: nothing is stored (this is not a refusal)."""


def looks_like_national_identity_number(value: str) -> bool:
    """True when ``value`` holds something shaped like an 11-digit Norwegian identity number."""
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(str(unicodedata.digit(c, c)) if c.isdigit() else c for c in text)
    text = _SEPARATORS.sub("", text.replace("O", "0").replace("o", "0"))
    return bool(_DIGIT_RUN.search(text))


def _treatment_input(*, confirmations, patient_reference) -> tuple[dict, str]:
    reference = (patient_reference or "").strip()
    if not reference:
        raise TreatmentInputError(gettext("A patient reference is required."), code="reference_required")
    if len(reference) > PATIENT_REFERENCE_MAX_LENGTH:
        raise TreatmentInputError(gettext("The patient reference is too long."), code="reference_too_long")
    if looks_like_national_identity_number(reference):
        raise TreatmentInputError(
            gettext("Do not enter a national identity number."), code="national_identity_number"
        )
    confirmations = dict(confirmations or {})
    basis = confirmations.pop("indication_basis", None)
    if basis not in INDICATION_BASES:
        raise TreatmentInputError(
            gettext("Choose which alternative of the indication applies."), code="indication_basis"
        )
    if set(confirmations) != set(TREATMENT_CONFIRMATIONS) or not all(
        confirmations[key] is True for key in TREATMENT_CONFIRMATIONS
    ):
        raise TreatmentInputError(gettext("Every confirmation is required."), code="confirmations")
    return {"indication_basis": basis, **dict.fromkeys(TREATMENT_CONFIRMATIONS, True)}, reference


@transaction.atomic
def treatment_initiation_record(
    *, user, programme, confirmations, patient_reference, language, now=None
) -> TreatmentInitiation:
    """Record that treatment starts, or store the refusal: only a ``valid`` attestation allows it.

    ``selectors.attestation_status`` gives the answer; this function never decides it. With
    any other status the refusal is stored (status and reason in ``language``) whatever was
    typed, and no patient reference: nothing is recorded for a patient, so nothing about one
    is kept. With a valid status, incomplete or forbidden input raises ``TreatmentInputError``
    and stores nothing. The prescriber's attestations are row-locked first, so a revocation
    cannot land between the answer and the record.
    """
    source = programme_in_default_locale(programme=programme)
    list(
        Attestation.objects.select_for_update()
        .filter(user=user, programme_key=source.translation_key)
        .values_list("pk", flat=True)
    )
    status = selectors.attestation_status(user=user, programme=source, now=now)
    common = {
        "user": user,
        "programme": source,
        "programme_key": source.translation_key,
        "attestation": status.attestation,
        "status": status.code,
        "language": language,
    }
    if not status.ok:
        with translation.override(language):
            reason = str(status.reason)
        logger.info("Treatment initiation refused for user %s: %s", user.pk, status.code)
        refusal = TreatmentInitiation.objects.create(
            outcome=TreatmentInitiation.Outcome.REFUSED, reason=reason, **common
        )
        _audit_initiation(refusal, actor=user, now=now)
        return refusal
    stored, reference = _treatment_input(confirmations=confirmations, patient_reference=patient_reference)
    # A double click or a resent form records the same initiation once.
    repeat = TreatmentInitiation.objects.filter(
        user=user,
        programme_key=source.translation_key,
        outcome=TreatmentInitiation.Outcome.RECORDED,
        patient_reference=reference,
        created_at__gte=(now or timezone.now()) - TREATMENT_REPEAT_WINDOW,
    ).first()
    if repeat is not None:
        return repeat
    initiation = TreatmentInitiation.objects.create(
        outcome=TreatmentInitiation.Outcome.RECORDED,
        patient_reference=reference,
        confirmations=stored,
        **common,
    )
    _audit_initiation(initiation, actor=user, now=now)
    return initiation


def _audit_initiation(initiation, *, actor, now=None):
    """Pseudonymous: the status and the attestation, never the patient reference."""
    audit_record(
        "treatment.recorded"
        if initiation.outcome == TreatmentInitiation.Outcome.RECORDED
        else "treatment.refused",
        actor=actor,
        object_type=TreatmentInitiation._meta.label_lower,
        object_id=str(initiation.pk),
        object_label=f"{initiation.get_outcome_display()} #{initiation.pk}",
        payload={
            "status": initiation.status,
            "programme_key": initiation.programme_key,
            "attestation": initiation.attestation.serial if initiation.attestation_id else None,
        },
        now=now,
    )


# --- API tokens ------------------------------------------------------------------------------
# Named bearer tokens for the attestation status API (pharmacy and hospital systems). Only
# the SHA-256 of a token is stored: the token itself is shown once, when it is created.

API_TOKEN_LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class ApiTokenError(AttestationError):
    pass


@transaction.atomic
def api_token_create(*, name: str, by=None) -> tuple[ApiToken, str]:
    """Create a named token; returns it with the raw token, which is not kept anywhere."""
    name = visible_text(name)
    if not name:
        raise ApiTokenError(gettext("Give the token a name."), code="name_required")
    max_length = ApiToken._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ApiTokenError(
            gettext("The name can be at most %(count)s characters long.") % {"count": max_length},
            code="name_too_long",
        )
    duplicate = ApiTokenError(
        gettext("An API token named “%(name)s” already exists.") % {"name": name}, code="duplicate_name"
    )
    if ApiToken.objects.filter(name__iexact=name).exists():
        raise duplicate
    raw = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name, prefix=raw[:8], token_hash=selectors.api_token_hash(raw), created_by=by
            )
    except IntegrityError:
        raise duplicate from None
    audit_record("api_token.created", actor=by, obj=token, payload={"prefix": token.prefix})
    return token, raw


@transaction.atomic
def api_token_revoke(*, token, by, now=None) -> ApiToken:
    """Revoke a token: from now on it answers 401. A revoked token stays listed, never deleted."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise ApiTokenError(gettext("This API token is already revoked."), code="already_revoked")
    locked.revoked_at = now or timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        "api_token.revoked", actor=by, obj=locked, payload={"prefix": locked.prefix}, now=locked.revoked_at
    )
    return locked


def api_token_mark_used(*, token, now=None) -> None:
    """Record the token's last use: one UPDATE, which writes at most once a minute per token.

    A token just read with a last use within that minute costs no query at all (the status API's
    hot path: one statement and one row lock fewer per call)."""
    now = now or timezone.now()
    if token.last_used_at is not None and token.last_used_at >= now - API_TOKEN_LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(
        last_used_at__gte=now - API_TOKEN_LAST_USED_PRECISION
    ).update(last_used_at=now)


REMINDER_DAYS = (30, 7)


def attestation_send_reminders(*, today: datetime.date) -> dict[str, int]:
    """E-mail the expiry reminders due ``today`` (the daily job): 30 and 7 days before expiry,
    each at most once per attestation. Returns how many of each went out, and how many failed.

    An attestation is valid through its ``valid_until`` day, so it expires the day after;
    "30 days before expiry" is the first day with ``valid_until - today`` under 30 days, the
    same day the quiz reopens for renewal (``selectors.in_renewal_window``), which the e-mail
    announces. The 7-day reminder follows the same rule. A run that finds an attestation
    already within 7 days and still without its 30-day reminder (a short validity, or the
    job did not run for weeks) sends the 7-day reminder only and marks both: the holder
    never gets two reminders at once, nor the 30-day one after the 7-day one. Only
    attestations whose status is ``valid`` are reminded: a revoked one, or one whose
    renewal is already required, got its own e-mail.

    Each reminder is claimed with a conditional UPDATE (``… WHERE reminder_N_sent_at IS
    NULL``) before its e-mail is sent, so two runs at the same time never both send it. When
    sending fails the claim is released and the next run tries again.
    """
    now = timezone.now()
    if timezone.localtime(now).date() != today:
        now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    candidates = {}
    for days in REMINDER_DAYS:
        for attestation in selectors.attestations_due_for_reminder(days=days, today=today):
            candidates[attestation.pk] = attestation
    counts = {"30": 0, "7": 0, "failed": 0}
    for attestation in sorted(candidates.values(), key=lambda a: (a.valid_until, a.pk)):
        left = (attestation.valid_until - today).days
        if left >= 30 or not selectors.status_of(attestation, now=now).ok:
            continue
        days = 7 if left < 7 else 30
        field = f"reminder_{days}_sent_at"
        if getattr(attestation, field) is not None:
            continue
        marks = {field: timezone.now()}
        if days == 7 and attestation.reminder_30_sent_at is None:
            marks["reminder_30_sent_at"] = marks[field]
        claimed = Attestation.objects.filter(pk=attestation.pk, **{f"{field}__isnull": True}).update(**marks)
        if not claimed:
            continue  # another run sent it
        try:
            notifications.expiry_reminder(attestation=attestation, days=left + 1)
        except Exception:
            logger.exception("Expiry reminder for %s could not be sent", attestation.serial)
            Attestation.objects.filter(pk=attestation.pk, **{field: marks[field]}).update(
                **dict.fromkeys(marks)
            )
            counts["failed"] += 1
            continue
        counts[str(days)] += 1
    return counts
