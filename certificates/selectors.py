"""Read-only questions about attestations. ``attestation_status`` is the one answer to
"may this prescriber initiate treatment under this programme?": pages, the PDF, the gate,
the verify page and the API all ask it, and nothing else decides.

The statuses: ``valid`` (the only yes), ``identity_unverified``, ``expired``, ``revoked``,
``renewal_required`` and ``none``. The attestation's own state and dates decide first. When they
would make it ``valid`` (also valid with a renewal pending after a material change) but
``lms.identity.hpr_is_verified`` says the holder's HPR number has not been confirmed as theirs
(by HelseID or a Compliance officer), the status is ``identity_unverified``, with the
attestation and its dates attached: not valid yet. Once the number is confirmed the same
attestation is ``valid`` with nothing else to do. Revoked, expired, renewal-required and
``none`` are unchanged by the holder's identity: they already say no. While the holder is
unverified the attestation's PDF is not rendered either (``attestation_may_render``).
"""

import calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Case, CharField, Q, Subquery, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import ProgrammePage
from lms.identity import hpr_accounts, hpr_canonical, hpr_is_verified, hpr_verified_q

from . import signing
from .models import ApiToken, Attestation, AttestationDocument, SigningKey, TreatmentInitiation

VALID = "valid"
IDENTITY_UNVERIFIED = "identity_unverified"
EXPIRED = "expired"
REVOKED = "revoked"
RENEWAL_REQUIRED = "renewal_required"
NONE = "none"
STATUSES = (VALID, IDENTITY_UNVERIFIED, EXPIRED, REVOKED, RENEWAL_REQUIRED, NONE)


def _date(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


@dataclass(frozen=True)
class AttestationStatus:
    """A status code with the attestation it is about and the dates that decided it."""

    code: str
    attestation: Attestation | None = None
    valid_until: date | None = None
    renewal_due: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.code == VALID

    @property
    def attested(self) -> bool:
        """The attestation itself is in force (``valid``, or ``identity_unverified``: it would be
        valid once the holder's HPR number is confirmed)."""
        return self.code in (VALID, IDENTITY_UNVERIFIED)

    @property
    def renewal_pending(self) -> bool:
        """In force for now, but a material change means it must be renewed by ``renewal_due``."""
        return self.attested and self.renewal_due is not None

    @property
    def superseded(self) -> bool:
        """A newer attestation replaced this one (only seen when asking about one record)."""
        return self.attestation is not None and self.attestation.state == Attestation.State.SUPERSEDED

    @property
    def valid_through(self) -> date | None:
        """The last day it counts (or counted): its end date, or earlier when revoked, replaced
        or due for renewal after a material change."""
        if self.attestation is None:
            return None
        ends = [self.valid_until]
        if self.renewal_due is not None:
            ends.append(timezone.localtime(self.renewal_due).date())
        if self.code == REVOKED and self.attestation.revoked_at:
            ends.append(timezone.localtime(self.attestation.revoked_at).date())
        if self.superseded and self.attestation.superseded_at:
            ends.append(timezone.localtime(self.attestation.superseded_at).date())
        return min(ends)

    @property
    def label(self) -> str:
        if self.superseded:
            return _("Replaced")
        return {
            VALID: _("Valid"),
            IDENTITY_UNVERIFIED: _("HPR number not yet confirmed"),
            EXPIRED: _("Expired"),
            REVOKED: _("Revoked"),
            RENEWAL_REQUIRED: _("Renewal required"),
            NONE: _("No attestation"),
        }[self.code]

    @property
    def reason(self) -> str:
        """Why, in the active language, for the prescriber."""
        if self.code == VALID:
            text = _("Your attestation is valid until %(date)s.") % {"date": _date(self.valid_until)}
            if self.renewal_due:
                text += " " + _(
                    "The programme has changed: read any changed lessons and pass the quiz again "
                    "before %(date)s to keep it valid."
                ) % {"date": _date(self.renewal_due)}
            return text
        if self.code == IDENTITY_UNVERIFIED:
            text = _(
                "Your attestation is issued, but it is not valid until we know that your HPR number "
                "is yours. Until then you cannot record a treatment initiation, and the PDF is not made."
            )
            if getattr(settings, "HELSEID_ENABLED", False):
                text += " " + _(
                    "Connect HelseID to your account to confirm it at once, or contact the programme owner "
                    "so that a Compliance officer can confirm it."
                )
            else:
                text += " " + _("Contact the programme owner so that a Compliance officer can confirm it.")
            if self.renewal_due:
                text += " " + _(
                    "The programme has also changed: read any changed lessons and pass the quiz again "
                    "before %(date)s."
                ) % {"date": _date(self.renewal_due)}
            return text
        if self.code == EXPIRED:
            return _("Your attestation expired on %(date)s. Pass the quiz again to renew it.") % {
                "date": _date(self.valid_until)
            }
        if self.code == REVOKED:
            return _("Your attestation was revoked on %(date)s. Contact the programme owner.") % {
                "date": _date(self.attestation.revoked_at)
            }
        if self.code == RENEWAL_REQUIRED:
            return _(
                "The programme changed materially: your attestation has needed renewal since %(date)s. "
                "Read any changed lessons and pass the quiz again."
            ) % {"date": _date(self.renewal_due)}
        return _("You have no attestation for this programme yet. Read every lesson and pass the quiz.")

    @property
    def public_reason(self) -> str:
        """What a third party may be told (verify page): no personal detail beyond the status."""
        if self.superseded:
            return _("Replaced by a newer attestation on %(date)s: this one no longer counts.") % {
                "date": _date(self.valid_through)
            }
        if self.code == VALID and self.renewal_due:
            return _(
                "Valid until %(date)s unless renewed: the programme has changed and the holder must "
                "renew by then."
            ) % {"date": _date(self.valid_through)}
        if self.code == VALID:
            return _("Valid until %(date)s.") % {"date": _date(self.valid_until)}
        if self.code == IDENTITY_UNVERIFIED:
            return _("Not valid yet: the holder's HPR number has not been confirmed.")
        if self.code == EXPIRED:
            return _("Expired on %(date)s.") % {"date": _date(self.valid_until)}
        if self.code == REVOKED:
            return _("Revoked on %(date)s.") % {"date": _date(self.attestation.revoked_at)}
        if self.code == RENEWAL_REQUIRED:
            return _("Not valid: renewal has been required since %(date)s.") % {
                "date": _date(self.renewal_due)
            }
        return _("No attestation.")


def status_of(attestation: Attestation | None, *, now=None, holder=None) -> AttestationStatus:
    """The status of one attestation record, from its state and dates and whether its holder's
    HPR number is confirmed. ``holder`` is the attestation's user when the caller has it already
    (otherwise ``attestation.user`` is read: select it with the attestation in lists)."""
    if attestation is None:
        return AttestationStatus(NONE)
    status = _record_status(attestation, now=now)
    if status.code != VALID:
        return status
    if holder is None or holder.pk != attestation.user_id:
        holder = attestation.user
    if hpr_is_verified(holder):
        return status
    return AttestationStatus(
        IDENTITY_UNVERIFIED,
        attestation=attestation,
        valid_until=status.valid_until,
        renewal_due=status.renewal_due,
    )


def _record_status(attestation: Attestation, *, now=None) -> AttestationStatus:
    """What the record's own state and dates say, whoever holds it."""
    now = now or timezone.now()
    common = {"attestation": attestation, "valid_until": attestation.valid_until}
    if attestation.state == Attestation.State.REVOKED:
        return AttestationStatus(REVOKED, **common)
    if attestation.state == Attestation.State.SUPERSEDED:
        # Only ever shown in a list of past attestations: a newer one replaced it.
        return AttestationStatus(EXPIRED, **common)
    if timezone.localtime(now).date() > attestation.valid_until:
        return AttestationStatus(EXPIRED, **common)
    due = attestation.renewal_required_from
    if due is not None and now >= due:
        return AttestationStatus(RENEWAL_REQUIRED, renewal_due=due, **common)
    return AttestationStatus(VALID, renewal_due=due, **common)


def with_status_code(queryset, *, now=None):
    """``queryset`` of attestations annotated with ``status_code``: what ``status_of`` says of each
    record, worked out by the database so lists and exports of any size need no per-row Python.
    The same rules in the same order (``tests/test_attestation_status_sql.py`` holds the two to
    each other)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    return queryset.annotate(
        status_code=Case(
            When(state=Attestation.State.REVOKED, then=Value(REVOKED)),
            When(state=Attestation.State.SUPERSEDED, then=Value(EXPIRED)),
            When(valid_until__lt=today, then=Value(EXPIRED)),
            When(renewal_required_from__lte=now, then=Value(RENEWAL_REQUIRED)),
            When(~hpr_verified_q("user__"), then=Value(IDENTITY_UNVERIFIED)),
            default=Value(VALID),
            output_field=CharField(),
        )
    )


def current_attestation(*, user, programme_key) -> Attestation | None:
    """The prescriber's latest attestation for the programme (the one that counts)."""
    if not getattr(user, "is_authenticated", True):
        return None
    return _counting(Attestation.objects.filter(user=user, programme_key=programme_key)).first()


def _counting(attestations):
    """The attestations that can count, the one that counts (the latest) first."""
    return attestations.exclude(state=Attestation.State.SUPERSEDED).order_by("-issued_at", "-pk")


def attestation_status(*, user, programme, now=None) -> AttestationStatus:
    """May this prescriber initiate treatment under this programme? ``valid`` is the only yes."""
    attestation = current_attestation(user=user, programme_key=programme.translation_key)
    return status_of(attestation, now=now, holder=user)


def attestation_statuses(*, user, programmes, now=None) -> dict[str, AttestationStatus]:
    """``attestation_status`` for several programmes in one query (the home page), by each
    programme's translation key."""
    keys = {programme.translation_key for programme in programmes}
    latest: dict = {}
    if keys and getattr(user, "is_authenticated", True):
        for attestation in _counting(Attestation.objects.filter(user=user, programme_key__in=keys)):
            latest.setdefault(attestation.programme_key, attestation)
    return {key: status_of(latest.get(key), now=now, holder=user) for key in keys}


# What a status and its reply read (``status_of``, ``valid_through``, the serial, the audit label):
# loading only these makes the status API's query a third as costly to build and read.
_STATUS_FIELDS = (
    "serial",
    "holder_name",
    "state",
    "valid_until",
    "renewal_required_from",
    "revoked_at",
    "superseded_at",
    "user__hpr_number",
    "user__hpr_verified_at",
)


def attestation_status_for_hpr(*, hpr_number: str, programme_key, now=None) -> AttestationStatus:
    """The same answer, looked up by HPR number (for the status API), in one query: the current
    attestation of the account the number stands for (``lms.identity.hpr_account``) under the
    programme with this translation key. The number is read in its canonical form
    (``lms.identity.hpr_canonical``: "01234567" and "123 4567" are 1234567). Unknown or malformed
    number: ``none``."""
    try:
        canonical = hpr_canonical(hpr_number)
    except ValidationError:
        return AttestationStatus(NONE)
    holder = Subquery(hpr_accounts(canonical).values("pk")[:1])
    attestation = (
        _counting(Attestation.objects.filter(user=holder, programme_key=programme_key))
        .select_related("user")
        .only(*_STATUS_FIELDS)
        .first()
    )
    if attestation is None:
        return AttestationStatus(NONE)
    return status_of(attestation, now=now, holder=attestation.user)


def attestation_for_code(*, code: str) -> Attestation | None:
    # No code holds a NUL, and PostgreSQL refuses one in a query (a 500 from "/verify/%00/").
    if not code or len(code) > 64 or "\x00" in code:
        return None
    return Attestation.objects.filter(verification_code=code).first()


def attestation_for_serial_and_code(*, serial: str, code: str) -> Attestation | None:
    attestation = attestation_for_code(code=code.strip())
    if attestation is None or attestation.serial != serial.strip().upper():
        return None
    return attestation


def user_attestations(*, user):
    """All of a prescriber's attestations, newest first, current and past."""
    return Attestation.objects.filter(user=user).order_by("-issued_at", "-pk")


def downloadable_attestation(*, user, pk) -> Attestation | None:
    """The attestation whose PDF this user may download: the holder's own unless revoked (a
    revoked PDF would still look valid on paper), or any for Compliance officers."""
    from lms import roles

    queryset = Attestation.objects.filter(pk=pk, pdf_status=Attestation.PdfStatus.READY)
    if not roles.has_role(user, roles.COMPLIANCE_OFFICER):
        if not hpr_is_verified(user):
            return None  # no PDF for a holder not yet known to be who the PDF names
        queryset = queryset.filter(user=user).exclude(state=Attestation.State.REVOKED)
    return queryset.first()


def attestation_may_render(*, attestation) -> bool:
    """An attestation's PDF is made only once its holder's HPR number is confirmed: a PDF that
    looks valid on paper must not exist before we know who holds it."""
    return hpr_is_verified(attestation.user)


def attestations_to_render_for(*, user) -> list[int]:
    """Ids of the user's active attestations whose PDF is not rendered yet (held back, or failed)."""
    return list(
        Attestation.objects.filter(user=user, state=Attestation.State.ACTIVE)
        .exclude(pdf_status=Attestation.PdfStatus.READY)
        .values_list("pk", flat=True)
    )


def document_for(*, attestation) -> AttestationDocument | None:
    return AttestationDocument.objects.filter(attestation=attestation).first()


def attestations_due_for_reminder(*, days: int, today: date):
    """Active attestations that expire within ``days`` days and have not had that reminder."""
    field = {30: "reminder_30_sent_at", 7: "reminder_7_sent_at"}[days]
    return (
        Attestation.objects.filter(
            state=Attestation.State.ACTIVE,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=days),
            **{f"{field}__isnull": True},
        )
        .select_related("user")
        .order_by("valid_until", "pk")
    )


def quiz_closed_while_valid(*, user, programme, now=None):
    """The quiz offers no new attempt while the prescriber holds a valid attestation.

    A pending renewal (a material change) reopens it, and so do the last
    ``RENEWAL_WINDOW_DAYS`` days before expiry and expiry itself. A revoked attestation
    keeps it closed: passing again must not undo a revocation. An attestation waiting only
    for the holder's HPR number to be confirmed (``identity_unverified``) keeps it closed as
    well: another pass would not help, confirming the number does.
    """
    from quizzes.selectors import Eligibility

    status = attestation_status(user=user, programme=programme, now=now)
    if status.code == REVOKED:
        # A revocation is a compliance decision: passing the quiz again must not undo it.
        return Eligibility(False, "revoked", status.reason)
    if not status.attested or status.renewal_pending or in_renewal_window(status, now=now):
        return None
    if status.code == IDENTITY_UNVERIFIED:
        return Eligibility(
            False,
            "identity_unverified",
            _(
                "You have passed: the quiz offers no new attempt. Your attestation becomes valid when "
                "your HPR number has been confirmed."
            ),
        )
    closed = _(
        "You hold a valid attestation, so the quiz offers no new attempt. It opens again on %(date)s, "
        "%(days)s days before your attestation ends, or earlier if a material change to the programme "
        "requires renewal."
    ) % {"date": _date(quiz_reopens_on(status)), "days": RENEWAL_WINDOW_DAYS}
    return Eligibility(False, "attested", closed)


RENEWAL_WINDOW_DAYS = 30


def in_renewal_window(status: AttestationStatus, *, now=None) -> bool:
    """In force, but close enough to its end date that the quiz reopens for renewal."""
    if not status.attested:
        return False
    return timezone.localtime(now or timezone.now()).date() >= quiz_reopens_on(status)


def quiz_reopens_on(status: AttestationStatus) -> date:
    """The first day of the renewal window: ``RENEWAL_WINDOW_DAYS`` days of validity left."""
    return status.valid_until - timedelta(days=RENEWAL_WINDOW_DAYS - 1)


def attestations_awaiting_render(*, older_than, now=None) -> list[int]:
    """Ids of attestations whose PDF is still not rendered (or failed), issued before ``now - older_than``.

    Only those whose holder's HPR number is confirmed: the others wait for ``hpr_verified``."""
    now = now or timezone.now()
    return list(
        Attestation.objects.filter(
            hpr_verified_q("user__"),  # held back until the holder's HPR number is confirmed
            pdf_status__in=[Attestation.PdfStatus.PENDING, Attestation.PdfStatus.FAILED],
            issued_at__lte=now - older_than,
        ).values_list("pk", flat=True)
    )


def attestations_pending_render() -> list[int]:
    """Ids of attestations whose PDF is still to be rendered and has not failed for good
    (``pending``), whose holder's HPR number is confirmed."""
    return list(
        Attestation.objects.filter(
            hpr_verified_q("user__"), pdf_status=Attestation.PdfStatus.PENDING
        ).values_list("pk", flat=True)
    )


def recorded_treatment_initiations(*, user, programme, limit: int = 10):
    """The prescriber's own recorded treatment initiations under this programme, newest first."""
    return (
        TreatmentInitiation.objects.filter(
            user=user,
            programme_key=programme.translation_key,
            outcome=TreatmentInitiation.Outcome.RECORDED,
        )
        .select_related("attestation")
        .order_by("-created_at", "-pk")[:limit]
    )


def own_recorded_treatment_initiation(*, user, programme, pk) -> TreatmentInitiation | None:
    """One recorded initiation, only when it is this prescriber's and under this programme."""
    pk = str(pk or "")
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        return None
    return (
        TreatmentInitiation.objects.filter(
            pk=int(pk),
            user=user,
            programme_key=programme.translation_key,
            outcome=TreatmentInitiation.Outcome.RECORDED,
        )
        .select_related("attestation")
        .first()
    )


# --- API tokens ------------------------------------------------------------------------------

API_TOKEN_MAX_LENGTH = 256


def api_token_hash(raw: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active (unrevoked) token whose raw value this is, or None.

    The lookup is by the token's SHA-256, never by the token itself, so the time a lookup
    takes says nothing about how much of a guess was right; the found hash is compared
    again in constant time.
    """
    if not raw or len(raw) > API_TOKEN_MAX_LENGTH or not raw.isascii():
        return None
    digest = api_token_hash(raw)
    token = ApiToken.objects.filter(token_hash=digest, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    return token


def attestations_ready_unannounced(*, older_than, now=None) -> list[int]:
    """Ids of rendered attestations whose holder was never told (the e-mail failed)."""
    now = now or timezone.now()
    return list(
        Attestation.objects.filter(
            pdf_status=Attestation.PdfStatus.READY,
            holder_notified_at__isnull=True,
            issued_at__lte=now - older_than,
        ).values_list("pk", flat=True)
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when that day does not exist)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(*, issued_on: date, months: int) -> date:
    """Valid through the day before the same date ``months`` later (12 months: one full year)."""
    return add_months(issued_on, months) - timedelta(days=1)


@dataclass(frozen=True)
class SigningConcern:
    """Something wrong with the key that signs attestations, for the people who look after it.

    ``code``: ``missing`` (no key can be read: nothing can be signed), ``expired`` (its
    certificate is out of date: what it signs fails verification), or ``outlived`` (its
    certificate ends before an attestation issued today does, and no timestamp service is set:
    the PDF signature of that attestation can no longer be checked after ``expires_on``).
    """

    code: str
    detail: str = ""
    expires_on: date | None = None
    needed_until: date | None = None


def signing_key_concern(*, now=None) -> SigningConcern | None:
    """What is wrong with the signing key now, or None. ``needed_until`` is the longest validity
    of an attestation issued today under any live programme."""
    now = now or timezone.now()
    try:
        chain = signing.configured_material().chain
    except ImproperlyConfigured as error:
        return SigningConcern("missing", detail=str(error))
    # The chain holds only while every certificate in it does (the signer's, any intermediate, the root).
    ends = min(certificate.not_valid_after_utc for certificate in chain)
    expires_on = timezone.localtime(ends).date()
    if ends <= now:
        return SigningConcern("expired", expires_on=expires_on)
    if getattr(settings, "ATTESTATION_TSA_URL", ""):
        return None  # B-T: the timestamp shows the signature was made while the certificate held
    months = ProgrammePage.objects.live().values_list("attestation_validity_months", flat=True)
    today = timezone.localtime(now).date()
    needed_until = max((valid_until_for(issued_on=today, months=m) for m in set(months)), default=None)
    # Valid through ``needed_until``: the chain must hold until that day is over.
    if needed_until is not None and ends < _start_of(needed_until + timedelta(days=1)):
        return SigningConcern("outlived", expires_on=expires_on, needed_until=needed_until)
    return None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def published_signing_keys(*, today=None) -> list:
    """The keys verifiers need: the current one, and every earlier one that signed an attestation
    not yet past its valid-until date (after that, nobody has a reason to check its signature)."""
    today = today or timezone.localdate()
    still_needed = AttestationDocument.objects.filter(attestation__valid_until__gte=today).values(
        "signing_kid"
    )
    return list(
        SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(kid__in=still_needed)).order_by(
            "-first_used_at"
        )
    )


def published_key_set(*, today=None) -> dict:
    """``/.well-known/attestation-keys.json``: the published keys as a JWK set (RFC 7517)."""
    return {
        "keys": [
            signing.jwk(
                key.certificate_chain,
                status="current" if key.retired_at is None else "retired",
                signed_until=key.retired_at,
            )
            for key in published_signing_keys(today=today)
        ]
    }
