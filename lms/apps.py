from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Accounts and roles")

    def ready(self):
        from . import receivers  # noqa: F401 - account events go to the audit trail
