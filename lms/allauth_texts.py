"""Texts of allauth that a prescriber or staff member reads at every sign-in, worded as the rest of
the site: allauth's English has Title Case ("Sign In", "Remember Me") and "Email", its bokmål
"vennligst" and "Alternative valg". Listed so that ``makemessages`` keeps them in this project's
catalogue, which takes precedence over allauth's (``LOCALE_PATHS``); the msgids are allauth's,
word for word, and the English catalogue gives them the site's English."""

from django.utils.translation import gettext_noop

ALLAUTH_REWORDED = (
    gettext_noop(
        "Your account is protected by two-factor authentication. Please enter an authenticator code:"
    ),
    gettext_noop("Two-Factor Authentication"),
    gettext_noop("Alternative options"),
    gettext_noop("Sign In"),
    gettext_noop("Remember Me"),
    gettext_noop("Email"),
    gettext_noop("Email address"),
)
