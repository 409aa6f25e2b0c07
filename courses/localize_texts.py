"""Texts of wagtail-localize that this project says differently, because here nothing it does
publishes (``courses.translation``). Listed so that ``makemessages`` keeps them in this project's
catalogues, which take precedence over wagtail-localize's own (``LOCALE_PATHS``); the English
catalogue gives them their English wording here."""

from django.utils.translation import gettext_noop

OVERRIDDEN = (
    gettext_noop("Publish immediately"),
    gettext_noop(
        "Changes are not automatically applied between translated pages. Syncing will add new content "
        "for translation and remove deleted content."
    ),
    gettext_noop("Successfully updated translations for '{object}'"),
)
