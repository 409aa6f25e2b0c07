"""What an export of a register contains: one definition for the admin and the command."""

from django.utils.translation import gettext_lazy as _

from certificates import selectors as certificate_selectors
from certificates.models import Attestation
from courses.selectors import programme_in_default_locale

from . import prescribers

ATTESTATION_COLUMNS = [
    ("serial", _("Serial")),
    ("holder_name", _("Holder")),
    ("hpr_number", _("HPR number")),
    ("workplace", _("Workplace")),
    ("programme_title", _("Programme")),
    ("status", _("Status")),
    ("issued_at", _("Issued")),
    ("valid_until", _("Valid until")),
    ("revoked_at", _("Revoked")),
    ("revocation_reason", _("Reason for revocation")),
]


def attestation_header() -> list:
    return [str(label) for _name, label in ATTESTATION_COLUMNS]


def attestation_rows(queryset, *, now=None):
    """The rows of ``queryset``: a ``values_list`` queryset, so the database works out every cell,
    the status too (``certificates.selectors.with_status_code``), and no model is built."""
    return certificate_selectors.with_status_code(queryset, now=now).values_list(
        "serial",
        "holder_name",
        "hpr_number",
        "user__workplace",
        "programme_title",
        "status_code",
        "issued_at",
        "valid_until",
        "revoked_at",
        "revocation_reason",
    )


def attestations_of_programme(programme):
    source = programme_in_default_locale(programme=programme)
    return Attestation.objects.filter(programme_key=source.translation_key).order_by("issued_at", "pk")


TREATMENT_COLUMNS = [
    ("created_at", _("Recorded")),
    ("outcome", _("Outcome")),
    ("status", _("Attestation status then")),
    ("reason", _("Reason for refusal")),
    ("programme", _("Programme")),
    ("attestation", _("Attestation")),
    ("hpr_number", _("HPR number")),
    ("workplace", _("Workplace")),
]


def treatment_header() -> list:
    return [str(label) for _name, label in TREATMENT_COLUMNS]


def treatment_rows(queryset):
    """Pseudonymous: the prescriber's HPR number and workplace, never the patient reference."""
    return queryset.values_list(
        "created_at",
        "outcome",
        "status",
        "reason",
        "programme__title",
        "attestation__serial",
        "user__hpr_number",
        "user__workplace",
    )


PRESCRIBER_COLUMNS = [
    ("full_name", _("Name")),
    ("email", _("E-mail address")),
    ("profession", _("Profession")),
    ("hpr_number", _("HPR number")),
    ("hpr_state", _("HPR number state")),
    ("hpr_verification_method", _("Confirmed by")),
    ("hpr_verified_at", _("Confirmed at")),
    ("workplace", _("Workplace")),
    ("date_joined", _("Signed up")),
    ("valid_attestations", _("Valid attestations")),
    ("attestations", _("Attestations (programme: status, serial, valid until)")),
]


def prescriber_header() -> list:
    return [str(label) for _name, label in PRESCRIBER_COLUMNS]


def prescriber_rows(queryset, *, now=None):
    """The prescribers of ``queryset`` with their current attestation per programme, read in
    chunks of 2,000 with two queries each (the people; their attestations, with the status worked
    out by the database as ``certificates.selectors.with_status_code``)."""
    people = queryset.prefetch_related(prescribers.current_attestations_prefetch(now=now))
    for user in people.iterator(chunk_size=2000):
        current = prescribers.current_attestations(user)
        yield [
            user.get_full_name(),
            user.email,
            user.profession_display,
            user.hpr_number,
            prescribers.hpr_state(user),
            user.hpr_verification_method,
            user.hpr_verified_at,
            user.workplace,
            user.date_joined,
            sum(1 for a in current if a.status_code == certificate_selectors.VALID),
            "; ".join(
                f"{a.programme_title}: {a.status_code}, {a.serial}, {a.valid_until:%Y-%m-%d}" for a in current
            ),
        ]
