"""What an export of a register contains: one definition for the admin and the command."""

from django.utils.translation import gettext_lazy as _

from certificates import selectors as certificate_selectors
from certificates.models import Attestation
from courses.selectors import programme_in_default_locale

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


def attestation_rows(queryset):
    """The rows of ``queryset``, read in chunks (the status is ``selectors.status_of`` today)."""
    for attestation in queryset.select_related("user").iterator(chunk_size=2000):
        yield [
            attestation.serial,
            attestation.holder_name,
            attestation.hpr_number,
            attestation.user.workplace,
            attestation.programme_title,
            certificate_selectors.status_of(attestation).code,
            attestation.issued_at,
            attestation.valid_until,
            attestation.revoked_at,
            attestation.revocation_reason,
        ]


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
    for initiation in queryset.select_related("user", "programme", "attestation").iterator(chunk_size=2000):
        yield [
            initiation.created_at,
            initiation.outcome,
            initiation.status,
            initiation.reason,
            initiation.programme.title,
            initiation.attestation.serial if initiation.attestation_id else "",
            initiation.user.hpr_number,
            initiation.user.workplace,
        ]
