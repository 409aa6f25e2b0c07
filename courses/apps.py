import warnings

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from bs4 import MarkupResemblesLocatorWarning
        from wagtail_localize.models import Translation

        # receivers: a published revision completes its declared change; translations follow
        from . import receivers, translation  # noqa: F401

        # Every path by which wagtail-localize writes a translation (its editor's Publish, "Sync
        # translations", "Translate") calls Translation.save_target, which publishes at once. Here
        # it saves a draft and submits it to Medical review instead (courses.translation).
        Translation.save_target = translation.save_target
        # wagtail-localize parses every short text as HTML; BeautifulSoup warns when one looks
        # like a file name or URL ("hlh-signs"), which is expected here.
        warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
