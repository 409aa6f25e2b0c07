from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from courses.models import ProgrammePage

from . import selectors
from .exports import csv_response


@dataclass
class StatisticsRow:
    """One row of the page and of its CSV download: the same words and figures in both."""

    stat: selectors.ItemStatistic
    language: str
    version: str
    edit_url: str

    @property
    def options_text(self) -> str:
        return " | ".join(
            "{key}: {text}{keyed} — {count}".format(
                key=option.key,
                text=option.text,
                keyed=" ({})".format(_("keyed")) if option.keyed else "",
                count=option.count,
            )
            for option in self.stat.options
        )

    @property
    def status(self) -> str:
        return self.stat.not_enough_data or "; ".join(self.stat.flags)


class ItemStatisticsView(WagtailAdminTemplateMixin, TemplateView):
    """How each published version of each question performs, with what the figures mean."""

    template_name = "quizzes/admin/item_statistics.html"
    page_title = gettext_lazy("Item statistics")
    header_icon = "list-ul"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")},
        {"url": "", "label": gettext_lazy("Item statistics")},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("quizzes.view_item_statistics"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if request.GET.get("export") == "csv" and context["selected"]:
            return self.csv(context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programmes = list(ProgrammePage.objects.filter(locale=Locale.get_default()).order_by("path"))
        wanted = self.request.GET.get("programme")
        selected = next((p for p in programmes if str(p.pk) == wanted), None)
        selected = selected or (programmes[0] if programmes else None)
        languages = dict(settings.LANGUAGES)
        language = self.request.GET.get("language", "")
        language = language if language in languages else ""
        can_edit = self.request.user.has_perm("quizzes.change_question")
        stats = selectors.item_statistics(programme=selected, language=language or None) if selected else []
        context.update(
            programmes=programmes,
            selected=selected,
            languages=list(settings.LANGUAGES),
            language=language,
            rows=[_row(stat, languages=languages, can_edit=can_edit) for stat in stats],
            minimum=selectors.MIN_ANSWERS_FOR_FLAGS,
            csv_url="?"
            + urlencode(
                {"programme": selected.pk if selected else "", "language": language, "export": "csv"}
            ),
        )
        return context

    def csv(self, context):
        header = [
            _("Topic"),
            _("Question"),
            _("Language"),
            _("Version"),
            _("Answers"),
            _("Facility"),
            _("What the facility says"),
            _("Discrimination (item–rest)"),
            _("What the discrimination says"),
            _("Options chosen"),
            _("Keyed answer"),
            _("Flags"),
            _("Edit"),
        ]
        rows = (
            [
                row.stat.topic_name,
                row.stat.text,
                row.language,
                row.version,
                row.stat.attempts,
                _rounded(row.stat.facility),
                row.stat.facility_explanation,
                _rounded(row.stat.discrimination),
                row.stat.discrimination_explanation,
                row.options_text,
                row.stat.keyed_answer,
                row.status,
                self.request.build_absolute_uri(row.edit_url) if row.edit_url else "",
            ]
            for row in context["rows"]
        )
        programme = context["selected"]
        parts = ["item-statistics", slugify(programme.slug), context["language"]]
        parts.append(timezone.localdate().isoformat())
        return csv_response(filename="-".join(p for p in parts if p) + ".csv", header=header, rows=rows)


def _rounded(value):
    return None if value is None else round(value, 2)


def _row(stat: selectors.ItemStatistic, *, languages: dict, can_edit: bool) -> StatisticsRow:
    if stat.saved_at is None:
        version = _("Version not recorded")
    else:
        saved = formats.date_format(timezone.localtime(stat.saved_at), "DATETIME_FORMAT")
        if stat.is_live:
            version = _("Version of %(date)s, shown to learners now") % {"date": saved}
        else:
            version = _("Earlier version of %(date)s") % {"date": saved}
    if stat.retired:
        version = "{} ({})".format(version, _("retired"))
    edit_url = ""
    if can_edit and stat.question_id:
        edit_url = reverse("wagtailsnippets_quizzes_question:edit", args=[stat.question_id])
    return StatisticsRow(
        stat=stat,
        language=str(languages.get(stat.language, stat.language)),
        version=version,
        edit_url=edit_url,
    )
