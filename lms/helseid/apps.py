from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class HelseIDConfig(AppConfig):
    name = "lms.helseid"
    label = "lms_helseid"
    verbose_name = "HelseID"

    def ready(self):
        from allauth.socialaccount.signals import social_account_added

        from .receivers import on_social_account_added

        checks.register(check_helseid_configuration, checks.Tags.security)
        social_account_added.connect(on_social_account_added, dispatch_uid="helseid_account_added")


def check_helseid_configuration(app_configs=None, **kwargs):
    """With HelseID switched on, the client's private key must be readable: fail at start-up,
    not at the first person's sign-in."""
    if not getattr(settings, "HELSEID_ENABLED", False):
        return []
    path = getattr(settings, "HELSEID_PRIVATE_KEY_PATH", "")
    if not path:
        return [
            checks.Error(
                "HELSEID_CLIENT_ID is set but HELSEID_PRIVATE_KEY_PATH is not.",
                hint="Point HELSEID_PRIVATE_KEY_PATH at the client's private key (PEM or JWK).",
                id="lms_helseid.E001",
            )
        ]
    if not Path(path).is_file():
        return [
            checks.Error(
                f"HELSEID_PRIVATE_KEY_PATH {path!r} is not a readable file.",
                id="lms_helseid.E002",
            )
        ]
    return []
