"""Admin registration only; the views live in ``admin_identity.py``."""

from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from .admin_identity import HprVerificationViewSet


@hooks.register("register_admin_viewset")
def register_hpr_verification_admin():
    return HprVerificationViewSet()


# The admin's account page links to the account pages of allauth, which alone change how an
# account signs in (Wagtail's own password and e-mail forms are off: lms.settings.base).


@hooks.register("register_account_menu_item")
def password_settings(request):
    return {
        "url": reverse("account_change_password"),
        "label": _("Password"),
        "help_text": _("Change your password. Your other sessions are signed out."),
    }


@hooks.register("register_account_menu_item")
def email_settings(request):
    return {
        "url": reverse("account_email"),
        "label": _("E-mail addresses"),
        "help_text": _("Add, confirm or remove your e-mail addresses, and choose the one we write to."),
    }


@hooks.register("register_account_menu_item")
def two_factor_settings(request):
    return {
        "url": reverse("mfa_index"),
        "label": _("Two-factor authentication"),
        "help_text": _("Your authenticator app, security keys and recovery codes."),
    }
