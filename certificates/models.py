"""Attestations: what a prescriber was attested for, its PDF, its use at the treatment gate.

An attestation moves ``active → superseded | revoked`` through services only. Whether an
active attestation is *valid* also depends on dates (expiry, renewal after a material
change): ``selectors.attestation_status`` is the one place that decides.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_verification_code() -> str:
    """192 random bits, URL-safe (32 characters); separate from the primary key."""
    return secrets.token_urlsafe(24)


class Attestation(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    class PdfStatus(models.TextChoices):
        PENDING = "pending", _("Being rendered")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Rendering failed")

    serial = models.CharField(_("serial"), max_length=32, unique=True)
    verification_code = models.CharField(
        _("verification code"), max_length=64, unique=True, default=new_verification_code, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    programme = models.ForeignKey(
        "courses.ProgrammePage", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    programme_key = models.UUIDField(db_index=True)
    attempt = models.OneToOneField(
        "quizzes.Attempt",
        verbose_name=_("quiz attempt"),
        on_delete=models.PROTECT,
        related_name="attestation",
    )
    programme_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("programme revision"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content_version = models.PositiveIntegerField(_("content version"))
    language = models.CharField(_("language"), max_length=10)

    # What the document says, frozen when it is issued.
    holder_name = models.CharField(_("holder name"), max_length=200)
    hpr_number = models.CharField(_("HPR number"), max_length=9)
    programme_title = models.CharField(_("programme title"), max_length=255)
    product = models.CharField(_("medicine"), max_length=200)
    key_messages = models.JSONField(_("key messages attested"), default=list)

    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateField(_("valid until"), help_text=_("Valid through the end of this day."))

    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ACTIVE)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    renewal_required_from = models.DateTimeField(
        _("renewal required from"),
        null=True,
        blank=True,
        help_text=_("Set when a material change to the programme is published after this attestation."),
    )
    renewal_change = models.ForeignKey(
        "courses.ContentChange",
        verbose_name=_("change that requires renewal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    pdf_status = models.CharField(
        _("PDF"), max_length=20, choices=PdfStatus.choices, default=PdfStatus.PENDING
    )
    pdf_attempts = models.PositiveSmallIntegerField(_("render attempts"), default=0)
    pdf_error = models.TextField(_("last render error"), blank=True)
    holder_notified_at = models.DateTimeField(_("holder told it is ready"), null=True, blank=True)
    reminder_30_sent_at = models.DateTimeField(_("30-day reminder sent"), null=True, blank=True)
    reminder_7_sent_at = models.DateTimeField(_("7-day reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme_key"],
                condition=models.Q(state="active"),
                name="one_active_attestation_per_prescriber_and_programme",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="revoked") | models.Q(revoked_at__isnull=False),
                name="revoked_attestation_has_a_date",
            ),
        ]
        indexes = [models.Index(fields=["programme_key", "state", "valid_until"])]

    def __str__(self):
        return f"{self.serial} · {self.holder_name}"


class AttestationDocument(models.Model):
    """The rendered PDF, kept in the database so every app instance serves the same bytes."""

    attestation = models.OneToOneField(Attestation, on_delete=models.PROTECT, related_name="document")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    rendered_at = models.DateTimeField()
    # The key that signed the PDF and its QR code ("" for PDFs made before attestations were signed).
    signing_kid = models.CharField(max_length=32, blank=True, db_index=True)
    seal = models.TextField(blank=True, help_text="The QR code's signed payload (AT1:…)")

    class Meta:
        verbose_name = _("attestation PDF")
        verbose_name_plural = _("attestation PDFs")

    def __str__(self):
        return f"{self.attestation_id}: {self.sha256[:12]}"


class SigningKey(models.Model):
    """A key that signs (or signed) attestations: its public certificate chain, never the private
    key (``certificates.signing`` loads that from the environment). Recorded the first time it
    signs; published while it is the current key or attestations it signed are unexpired."""

    kid = models.CharField(_("key id"), max_length=32, unique=True)
    signer_name = models.CharField(_("signer"), max_length=255)
    certificate_chain = models.TextField(_("certificate chain (PEM)"))
    not_before = models.DateTimeField(_("certificate valid from"))
    not_after = models.DateTimeField(_("certificate valid until"))
    first_used_at = models.DateTimeField(_("first used"))
    retired_at = models.DateTimeField(_("replaced by a newer key"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-first_used_at"]

    def __str__(self):
        return f"{self.kid} ({self.signer_name})"


class SerialCounter(models.Model):
    """The last serial number handed out per prefix and year (row-locked while issuing)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_counter_per_prefix_and_year")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class TreatmentInitiation(models.Model):
    """A prescriber's record that treatment starts (or the refusal to record it), kept either way."""

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prescriber"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        "courses.ProgrammePage", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    programme_key = models.UUIDField(db_index=True)
    attestation = models.ForeignKey(
        Attestation,
        verbose_name=_("attestation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="initiations",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    status = models.CharField(_("attestation status then"), max_length=30)
    reason = models.TextField(_("reason for refusal"), blank=True)
    patient_reference = models.CharField(_("patient reference"), max_length=40, blank=True)
    confirmations = models.JSONField(_("confirmations"), default=dict)
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("treatment initiation")
        verbose_name_plural = _("treatment initiations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_outcome_display()} · {self.patient_reference or '–'} · {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A named bearer token for pharmacy and hospital systems; only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
