"""Staff security: sessions end after a spell of inactivity, and two-factor authentication.

Staff sessions end after a spell of inactivity (``STAFF_IDLE_TIMEOUT_MINUTES``, default 30).

Medical affairs, Compliance officers and superusers reach regulated content and personal data;
an unattended signed-in browser must not stay open for two weeks. A prescriber's session is left
as it is (their own records only). The time of the last request is kept in the session: set at
sign-in, then written at most every five minutes, so ordinary browsing does not save the session
on every request (a session can so end up to five minutes early, never late). The admin editor's
background pings (``/admin/editing-sessions/``) do not count as activity: an editor left open
in an unattended tab must not keep the session alive.
"""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

LAST_SEEN = "lms_staff_last_seen"
WRITE_EVERY_SECONDS = 300
NOT_ACTIVITY = ("/admin/editing-sessions/",)


def _is_staff(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


def staff_signed_in(request, user) -> None:
    """Sign-in counts as activity (``lms.receivers``)."""
    if _is_staff(user) and hasattr(request, "session"):
        request.session[LAST_SEEN] = time.time()


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and _is_staff(user):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            limit = 60 * int(getattr(settings, "STAFF_IDLE_TIMEOUT_MINUTES", 30))
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                messages.info(
                    request,
                    gettext("You were signed out after %(minutes)s minutes without activity. Sign in again.")
                    % {"minutes": limit // 60},
                )
                return redirect_to_login(request.get_full_path())
            due = last_seen is None or now - last_seen > WRITE_EVERY_SECONDS
            if due and not request.path_info.startswith(NOT_ACTIVITY):
                request.session[LAST_SEEN] = now
        return self.get_response(request)


MFA_NEXT = "lms_mfa_next"
NOT_PAGES = ("/favicon.ico", "/robots.txt", "/apple-touch-icon.png")


def _mfa_open_paths() -> tuple[str, ...]:
    """What staff reach before they have set up two-factor authentication: their account pages
    (allauth: setting it up, confirming their password, signing out), the language switch, the
    admin's login (which hands over to allauth's) and what holds no data."""
    languages = [code for code, _ in settings.LANGUAGES]
    return (
        *(f"/{code}/accounts/" for code in languages),
        *(f"/{code}/admin/login/" for code in languages),
        "/admin/login/",
        "/i18n/",
        "/healthz",
        settings.STATIC_URL,
    )


def _mfa_enrolled(user) -> bool:
    """Has this staff member an authenticator app (or a passkey)? Asked on every admin request (one
    small query), not remembered in the session: ``reset_two_factor`` removes them, and a browser
    still signed in must then be sent to enrolment too."""
    return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])


def staff_enrolled(request) -> bool:
    """Is the signed-in user staff with two-factor authentication set up?"""
    user = getattr(request, "user", None)
    return user is not None and _is_staff(user) and _mfa_enrolled(user)


def on_this_site(path: str) -> bool:
    """Is ``path`` an address on this site, one that no browser reads as another host
    ("//host/…", "/\\host/…")? For addresses taken from a request and offered back as links."""
    return path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None)


def _page_asked_for(request) -> bool:
    """A page the browser navigated to, on this site: worth coming back to after enrolment.

    Not what a page fetches by itself (``Sec-Fetch-Mode`` other than ``navigate``; a browser
    asks every site for ``/favicon.ico``), and never a path that leaves the site (``//host/``)."""
    path = request.get_full_path()
    return (
        request.method == "GET"
        and request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"
        and request.path_info not in NOT_PAGES
        and on_this_site(path)
    )


class StaffMFARequiredMiddleware:
    """Medical affairs, Compliance officers and superusers use two-factor authentication.

    Until they have enrolled an authenticator app, every request but their account pages sends
    them to enrolment: not only the admin and its documents, but every page where their role
    shows more than a prescriber sees (a Compliance officer downloads any holder's attestation).
    Afterwards allauth asks for a code at every sign-in. Where they were going is kept and
    offered once enrolment is done.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = _mfa_open_paths()

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            # path_info: the path the URL resolver matches, without the prefix the site is mounted
            # under (SCRIPT_NAME).
            and not request.path_info.startswith(self.open_paths)
            and _is_staff(user)
            and not _mfa_enrolled(user)
        ):
            if not _page_asked_for(request):
                # A favicon, a script's fetch: no page to come back to, no message to show.
                return redirect("mfa_activate_totp")
            request.session[MFA_NEXT] = request.get_full_path()
            messages.info(
                request,
                gettext(
                    "Your role gives access to regulated content and personal data, so it needs "
                    "two-factor authentication. Set up an authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
