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


def attestation_rows(queryset, *, now=None):
    """The rows of ``queryset``: a ``values_list`` queryset, so the database works out every cell,
    the status too (``certificates.selectors.with_status_code``), and no model is built."""
    return (
        certificate_selectors.with_status_code(queryset, now=now)
        .values_list(
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
