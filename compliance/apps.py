from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    """The Compliance officers' workspace: registers, exports, the audit trail's admin. It reads
    every app; nothing imports it."""

    name = "compliance"
    verbose_name = _("Compliance")
    default_auto_field = "django.db.models.BigAutoField"
