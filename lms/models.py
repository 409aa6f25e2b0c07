from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .identity import CANONICAL_PATTERN, hpr_canonical
from .validators import validate_visible_text


def validate_hpr_number(value: str) -> None:
    """A stored HPR number must already be in its canonical form (see ``identity.hpr_canonical``)."""
    if hpr_canonical(value) != value:
        raise ValidationError(
            _("Enter the HPR number as digits only, without leading zeros."), code="not_canonical"
        )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in by e-mail. Prescribers carry their HPR number and workplace."""

    class Profession(models.TextChoices):
        PHYSICIAN = "physician", _("Physician")
        OTHER = "other", _("Other")

    class HprVerification(models.TextChoices):
        HELSEID = "helseid", _("HelseID sign-in")
        COMPLIANCE = "compliance", _("Confirmed by a Compliance officer")

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    profession = models.CharField(_("profession"), max_length=20, choices=Profession.choices, blank=True)
    profession_other = models.CharField(_("other profession"), max_length=100, blank=True)
    hpr_number = models.CharField(
        _("HPR number"),
        max_length=9,
        db_index=True,
        null=True,
        blank=True,
        validators=[validate_hpr_number],
        help_text=_("Norwegian health personnel register number: digits only, no leading zeros."),
    )
    hpr_verified_at = models.DateTimeField(_("HPR number verified at"), null=True, blank=True)
    hpr_verified_by = models.ForeignKey(
        "self",
        verbose_name=_("HPR number verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hpr_verification_method = models.CharField(
        _("HPR verification"), max_length=20, choices=HprVerification.choices, blank=True
    )
    hpr_verification_note = models.TextField(_("HPR verification note"), blank=True)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("verify_hpr_number", _("Can confirm prescribers' HPR numbers")),
            ("view_prescriber_register", _("Can view the prescriber register")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hpr_number__isnull=True) | models.Q(hpr_number__regex=CANONICAL_PATTERN),
                name="hpr_number_canonical",
            ),
            models.CheckConstraint(
                condition=models.Q(hpr_verified_at__isnull=True) | models.Q(hpr_number__isnull=False),
                name="hpr_verified_needs_number",
            ),
            # A typed number proves nothing, so it reserves nothing: anyone may claim a number,
            # and only one account can have it confirmed (by HelseID or a Compliance officer).
            models.UniqueConstraint(
                fields=["hpr_number"],
                condition=models.Q(hpr_verified_at__isnull=False),
                name="one_confirmed_account_per_hpr_number",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    # Names and workplace others read: no control or text-direction characters (lms.validators).
    # Checked here, not as field validators, so every model form on users refuses them (Wagtail's
    # account and user forms) without a migration; only the fields a form edits are checked.
    VISIBLE_TEXT_FIELDS = ("full_name", "first_name", "last_name", "workplace", "profession_other")

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name in self.VISIBLE_TEXT_FIELDS:
            if exclude and name in exclude:
                continue
            try:
                validate_visible_text(getattr(self, name))
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.email

    def get_short_name(self):
        return self.full_name or self.email

    @property
    def profession_display(self) -> str:
        if self.profession == self.Profession.OTHER and self.profession_other:
            return self.profession_other
        return self.get_profession_display()


@register_setting(icon="mail")
class ProgrammeOwnerContact(BaseGenericSetting):
    """Who prescribers contact about the programme: shown on the help page and where pages say
    "contact us". Edited by staff in Settings; the programme loader fills it on first install."""

    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    hours = models.CharField(
        _("opening hours"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. “Weekdays 08:00–16:00”."),
    )

    panels = [
        FieldPanel("organisation"),
        FieldPanel("postal_address"),
        FieldPanel("phone"),
        FieldPanel("email"),
        FieldPanel("hours"),
    ]

    class Meta:
        verbose_name = _("programme owner contact")

    @property
    def is_complete(self) -> bool:
        return bool(self.organisation and (self.phone or self.email))
