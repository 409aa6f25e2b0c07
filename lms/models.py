import re

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

HPR_PATTERN = re.compile(r"[0-9]{7,9}")  # ASCII digits only: "９８７" must not pass as "987"


def validate_hpr_number(value: str) -> None:
    """The Norwegian health personnel register number: 7 to 9 digits."""
    if not HPR_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            _("The HPR number must be 7 to 9 digits, with no spaces or letters."),
            code="invalid_hpr",
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

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    profession = models.CharField(_("profession"), max_length=20, choices=Profession.choices, blank=True)
    profession_other = models.CharField(_("other profession"), max_length=100, blank=True)
    hpr_number = models.CharField(
        _("HPR number"),
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_hpr_number],
        help_text=_("Norwegian health personnel register number (7 to 9 digits)."),
    )
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hpr_number__isnull=True) | models.Q(hpr_number__regex=r"^[0-9]{7,9}$"),
                name="hpr_number_is_7_to_9_ascii_digits",
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.email

    def get_short_name(self):
        return self.full_name or self.email

    @property
    def profession_display(self) -> str:
        if self.profession == self.Profession.OTHER and self.profession_other:
            return self.profession_other
        return self.get_profession_display()
