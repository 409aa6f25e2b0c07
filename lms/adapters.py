import logging
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from . import roles

logger = logging.getLogger(__name__)


def public_url(path: str) -> str:
    """``path`` on the site's public address (PUBLIC_BASE_URL), whatever host the request came to."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def home_path() -> str:
    """The home page in the active language: where sign-in and sign-out lead."""
    return f"/{get_language() or settings.LANGUAGE_CODE}/"


class AccountAdapter(DefaultAccountAdapter):
    # allauth's own wording, replaced where a prescriber reads it: our catalogue translates these
    # (allauth's bokmål mixes "epost" and "e-post" and leans on "vennligst").
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is closed. Contact us if you think this is a mistake."),
        "email_password_mismatch": _("The e-mail address or the password is not correct."),
        "email_taken": _("An account with this e-mail address already exists."),
        "enter_current_password": _("Enter your current password."),
        "incorrect_password": _("The password is not correct."),
        "invalid_password_reset": _("The link to reset your password is not valid."),
        "rate_limited": _("Too many requests in a short time. Wait a little and try again."),
        "too_many_login_attempts": _("Too many failed attempts to log in. Try again later."),
        "unknown_email": _("No account uses this e-mail address."),
        "unverified_primary_email": _("Your e-mail address must be confirmed first."),
    }

    def get_client_ip(self, request) -> str:
        """The client's address: with ``TRUSTED_PROXY_COUNT`` proxies in front, the one they put
        in X-Forwarded-For (allauth's rule); without, the connecting address. A request that did
        not pass all the proxies (fewer entries than expected) counts by its connecting address
        instead of failing. Rate limits of sign-in and verification both key on it."""
        if request is None:
            return ""  # not in a request (a command): no address to give
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            return request.META.get("REMOTE_ADDR", "")

    def get_http_user_agent(self, request) -> str:
        return super().get_http_user_agent(request) if request is not None else ""

    def save_user(self, request, user, form, commit=True):
        """Store the prescriber's profile with the user in one save, and give the Prescriber role.

        The HPR number is stored unconfirmed: it reserves nothing until HelseID or a Compliance
        officer confirms it (see ``lms.identity``)."""
        data = form.cleaned_data
        user.full_name = data["full_name"]
        user.profession = data["profession"]
        user.profession_other = data.get("profession_other", "")
        user.hpr_number = data["hpr_number"]
        user.workplace = data["workplace"]
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user.groups.add(Group.objects.get(name=roles.PRESCRIBER))
        return user

    # Where people land: the home page in the language they used, so the "Logged in"/"Logged
    # out" message and the page it appears on are in the same language (a bare "/" would send an
    # English user to the Norwegian site, with an English message).
    def get_login_redirect_url(self, request):
        return home_path()

    def get_logout_redirect_url(self, request):
        return home_path()

    # Confirming the e-mail address signs in the person who just signed up in this browser
    # (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION), which allauth treats as the end of the sign-up; so
    # does finishing a HelseID sign-up. (Confirming while signed in already leads to
    # get_login_redirect_url; while signed out, to LOGIN_URL, reversed in the active language.)
    def get_signup_redirect_url(self, request):
        return home_path()

    # E-mails: links on the public address, subjects and bodies that name the service.
    def get_email_confirmation_url(self, request, emailconfirmation):
        return public_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return public_url(path.replace("UID-KEY", quote(key)))

    def send_account_already_exists_mail(self, email):
        context = {
            "signup_url": public_url(reverse("account_signup")),
            "password_reset_url": public_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, context)

    _after_commit = False  # set while allauth sends a security notice

    def send_notification_mail(self, *args, **kwargs) -> None:
        """allauth's security notices (``ACCOUNT_EMAIL_NOTIFICATIONS``): written at once, in the
        request's language, and sent once the change is committed. A mail server that fails is
        logged and undoes nothing: the change stands, and what follows it in the same request
        (e.g. its audit events) is still recorded."""
        self._after_commit = True
        try:
            super().send_notification_mail(*args, **kwargs)
        finally:
            self._after_commit = False

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        return _SentAfterCommit(message) if self._after_commit else message

    def send_mail(self, template_prefix, email, context):
        context = {
            "service_name": gettext("Prescriber training"),
            "home_url": public_url(home_path()),
            "help_url": public_url(reverse("help")),
            "programme_titles": _programme_titles(getattr(self, "request", None)),
            "password_reset_url": public_url(reverse("account_reset_password")),
            **context,
            # allauth builds this one from the request's host; ours is on the public address.
            "signup_url": public_url(reverse("account_signup")),
        }
        super().send_mail(template_prefix, email, context)


class _SentAfterCommit:
    """An e-mail whose ``send()`` waits for the commit and never fails the request."""

    def __init__(self, message):
        self.message = message

    def send(self):
        transaction.on_commit(self._send)

    def _send(self):
        try:
            self.message.send()
        except Exception:
            logger.exception("Could not send the security notice %r", self.message.subject)


def _programme_titles(request) -> list[str]:
    """Titles of the programmes live on the home page in the active language (e.g. "Lemtrada")."""
    site = Site.find_for_request(request) if request is not None else None
    site = site or Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return []
    home = site.root_page.localized
    return list(home.get_children().live().order_by("path").values_list("title", flat=True))


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires two-factor authentication, so your authenticator app cannot be "
            "switched off. To move it to a new phone, enter the authenticator secret shown when you "
            "set it up, or ask an administrator to reset it."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff must keep a second factor (``lms.middleware.StaffMFARequiredMiddleware``): they may
        replace their authenticator app only by adding a passkey first, never remove the last one."""
        user = authenticator.user
        if not (user.is_superuser or user.has_perm("wagtailadmin.access_admin")):
            return True
        if authenticator.type not in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN):
            return True
        second_factors = Authenticator.objects.filter(
            user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
        )
        return second_factors.exclude(pk=authenticator.pk).exists()


def client_ip(request) -> str:
    """``AccountAdapter.get_client_ip`` for django-ratelimit (``RATELIMIT_IP_META_KEY``)."""
    return AccountAdapter(request).get_client_ip(request)
