"""Admin registration only; the views live in ``admin_identity.py``."""

from wagtail import hooks

from .admin_identity import HprVerificationViewSet


@hooks.register("register_admin_viewset")
def register_hpr_verification_admin():
    return HprVerificationViewSet()


@hooks.register("register_account_menu_item")
def two_factor_settings(request):
    """The admin's account page links to the staff member's two-factor settings (allauth MFA)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return {
        "url": reverse("mfa_index"),
        "label": _("Two-factor authentication"),
        "help_text": _("Your authenticator app, security keys and recovery codes."),
    }
