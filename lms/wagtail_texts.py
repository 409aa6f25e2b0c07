"""Texts of the Wagtail admin that Wagtail's own Norwegian catalogue leaves in English, on pages
every Compliance officer and editor uses (lists, filters, sorting). Listed so that
``makemessages`` keeps them in this project's catalogue, which takes precedence over Wagtail's
(``LOCALE_PATHS``); the msgids are Wagtail's, word for word."""

from django.utils.translation import gettext_noop

MISSING_IN_WAGTAIL_NB = (
    gettext_noop("Search…"),
    gettext_noop("Filter by"),
    gettext_noop("Show filters"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("There are no %(model_name)s to display."),
    gettext_noop("No %(model_name)s match your query."),
    gettext_noop("Skip to main content"),
    gettext_noop("Help"),
    gettext_noop("Keyboard shortcuts"),
    gettext_noop("Search all pages…"),
    gettext_noop("Edit account avatar"),
)
