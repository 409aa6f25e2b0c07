"""The effectiveness report in the Wagtail admin (Compliance officers), and its PDF.

The figures are ``compliance.report.effectiveness_report``; this module only reads the form,
lays the figures out as bar charts (server-rendered SVG, the same in the page and the PDF) and
records each PDF download in the audit trail.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import Locale

from audit.services import audit_record
from certificates.pdf import render_html_to_pdf
from certificates.selectors import STATUSES, AttestationStatus
from courses.models import ProgrammePage
from courses.selectors import programme_title_for_reader
from lms import admin_filters
from quizzes.selectors import MIN_ANSWERS_FOR_FLAGS

from .report import EXPIRY_WINDOWS, EffectivenessReport, Share, effectiveness_report

PERMISSION = "certificates.view_attestation"
"""Held by Compliance officers (certificates migration 0002), not by Medical affairs."""


def may_see_report(user) -> bool:
    return bool(user.is_active and user.has_perm(PERMISSION))


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# Far enough for any report; the calendar's ends would overflow the period's bounds in local time.
PERIOD_LIMITS = [MinValueValidator(datetime.date(1900, 1, 1)), MaxValueValidator(datetime.date(2999, 12, 31))]


class ProgrammeField(admin_filters.ModelChoiceField):
    def label_from_instance(self, obj):
        return programme_title_for_reader(obj)  # the reader's language, not the default one


class ReportForm(forms.Form):
    programme = ProgrammeField(
        label=gettext_lazy("Programme"), queryset=ProgrammePage.objects.none(), empty_label=None
    )
    date_from = forms.DateField(label=gettext_lazy("From"), widget=AdminDateInput, validators=PERIOD_LIMITS)
    date_to = forms.DateField(
        label=gettext_lazy("To (inclusive)"), widget=AdminDateInput, validators=PERIOD_LIMITS
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["programme"].queryset = ProgrammePage.objects.filter(
            locale=Locale.get_default()
        ).order_by("path")

    @classmethod
    def for_request(cls, request):
        """Bound to the query string when it carries the form, else to the defaults: the first
        programme and the last 12 months up to today."""
        if "programme" in request.GET or "date_from" in request.GET or "date_to" in request.GET:
            return cls(request.GET)
        today = timezone.localdate()
        form = cls()
        programme = form.fields["programme"].queryset.first()
        return cls(
            {
                "programme": programme.pk if programme else "",
                "date_from": (_year_before(today) + datetime.timedelta(days=1)).isoformat(),
                "date_to": today.isoformat(),
            }
        )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error(
                "date_to",
                _("The end of the period (%(to)s) is before its start (%(from)s).")
                % {
                    "to": formats.date_format(date_to, "DATE_FORMAT"),
                    "from": formats.date_format(date_from, "DATE_FORMAT"),
                },
            )
        return cleaned


# Charts ---------------------------------------------------------------------------------------

ROW_HEIGHT = 46  # a label line above each bar
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # the figure as text, shown at the end of the label line
    fraction: float  # 0 to 1: the bar's length
    tone: str = "main"  # main, good, warn: colour only; the text says the same

    @property
    def percent_width(self) -> str:
        return f"{max(0.0, min(1.0, self.fraction)) * 100:.2f}"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars) + 4

    @property
    def rows(self):
        """(bar, y of its label's baseline, y of its bar) for the template."""
        return [(bar, ROW_HEIGHT * n + 16, ROW_HEIGHT * n + 23) for n, bar in enumerate(self.bars)]


def _percent(share) -> str:
    return "–" if share.percent is None else f"{share.percent} %"


def _of(count: int, total: int) -> str:
    return _("%(count)s of %(total)s") % {"count": count, "total": total}


def charts(report: EffectivenessReport) -> dict[str, Chart]:
    funnel = funnel_rows(report)
    result = {
        "funnel": Chart(
            key="funnel",
            title=_("Reach: from sign-up to a pass"),
            description=_(
                "Prescribers who signed up in the period, and how many of them have read every lesson, "
                "submitted a quiz attempt and passed."
            )
            + " "
            + "; ".join(f"{label}: {share.count}" for label, share in funnel),
            bars=[
                Bar(label=label, value=f"{share.count} ({_percent(share)})", fraction=share.ratio or 0)
                for label, share in funnel
            ],
        ),
    }
    result["topics"] = Chart(
        key="topics",
        title=_("Knowledge: share of answers right per topic"),
        description=_("Answers in quiz attempts submitted in the period, per topic.")
        + " "
        + "; ".join(f"{topic.name}: {_percent(topic.correct)}" for topic in report.topics),
        bars=[
            Bar(
                label=topic.name,
                value=f"{_percent(topic.correct)} ({_of(topic.correct.count, topic.correct.total)})",
                fraction=topic.correct.ratio or 0,
                tone="main" if (topic.correct.ratio or 0) >= report.programme.pass_mark / 100 else "warn",
            )
            for topic in report.topics
        ],
    )
    behaviour = report.behaviour
    result["behaviour"] = Chart(
        key="behaviour",
        title=_("Behaviour: treatment initiations"),
        description=_("Treatment initiations recorded with a valid attestation, and refusals, in the period.")
        + " "
        + _("Recorded: %(recorded)s; refused: %(refused)s")
        % {"recorded": behaviour.recorded, "refused": behaviour.refused},
        bars=[
            Bar(
                label=_("Recorded with a valid attestation"),
                value=f"{behaviour.recorded} ({_percent(Share(behaviour.recorded, behaviour.total))})",
                fraction=Share(behaviour.recorded, behaviour.total).ratio or 0,
                tone="good",
            ),
            Bar(
                label=_("Refused"),
                value=f"{behaviour.refused} ({_percent(Share(behaviour.refused, behaviour.total))})",
                fraction=Share(behaviour.refused, behaviour.total).ratio or 0,
                tone="warn",
            ),
        ],
    )
    result["renewals"] = Chart(
        key="renewals",
        title=_("Renewal after each material change"),
        description=_(
            "Share of the attestations each material change required to be renewed that have been renewed."
        )
        + " "
        + "; ".join(
            f"{renewal.object_title}: {_percent(renewal.renewed_share)}" for renewal in report.renewals
        ),
        bars=[
            Bar(
                label=_("%(title)s (published %(date)s)")
                % {"title": renewal.object_title, "date": _date(renewal.published_at)},
                value=f"{_percent(renewal.renewed_share)} ({_of(renewal.renewed, renewal.required)})",
                fraction=renewal.renewed_share.ratio or 0,
            )
            for renewal in report.renewals
        ],
    )
    return result


def funnel_rows(report: EffectivenessReport) -> list[tuple[str, Share]]:
    """Each step of the funnel with its share of the prescribers registered."""
    reach = report.reach
    return [
        (label, Share(count, reach.registered))
        for label, count in (
            (_("Registered prescribers"), reach.registered),
            (_("Read every lesson"), reach.read_all),
            (_("Submitted a quiz attempt"), reach.attempted),
            (_("Passed"), reach.passed),
        )
    ]


def _date(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


def refusal_rows(report: EffectivenessReport) -> list[tuple[str, int]]:
    return [
        (AttestationStatus(code).label if code in STATUSES else code, count)
        for code, count in report.behaviour.refused_by_status.items()
    ]


def report_context(report: EffectivenessReport) -> dict:
    return {
        "report": report,
        "charts": charts(report),
        "refusals": refusal_rows(report),
        "expiring": [(days, report.expiring[days]) for days in EXPIRY_WINDOWS],
        "first_attempt": report.reach.first_attempt_pass_rate,
        "funnel": funnel_rows(report),
        "few_answers_below": MIN_ANSWERS_FOR_FLAGS,
    }


# Views ----------------------------------------------------------------------------------------


class ReportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_see_report(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class EffectivenessReportView(ReportPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "compliance/admin/effectiveness_report.html"
    page_title = gettext_lazy("Effectiveness report")
    header_icon = "table"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")},
        {"url": "", "label": gettext_lazy("Effectiveness report")},
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ReportForm.for_request(self.request)
        context["form"] = form
        if form.is_valid():
            report = effectiveness_report(
                programme=form.cleaned_data["programme"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
            context.update(report_context(report))
            context["pdf_url"] = (
                reverse("effectiveness_report_pdf")
                + "?"
                + urlencode(
                    {
                        "programme": report.programme.pk,
                        "date_from": report.date_from.isoformat(),
                        "date_to": report.date_to.isoformat(),
                    }
                )
            )
        return context


def _generated_by(user) -> str:
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{name} <{user.email}>" if name else user.email


class EffectivenessReportPdfView(ReportPermissionMixin, TemplateView):
    """The same report as a PDF (WeasyPrint, the attestation PDF's fonts), recorded in the trail."""

    def get(self, request, *args, **kwargs):
        form = ReportForm.for_request(request)
        if not form.is_valid():
            # The report page shows the form with its messages, in the reader's language.
            return redirect(reverse("effectiveness_report") + "?" + request.GET.urlencode())
        generated_at = timezone.now()
        report = effectiveness_report(
            programme=form.cleaned_data["programme"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        context = report_context(report)
        context.update(
            generated_at=generated_at,
            generated_by=_generated_by(request.user),
            created=generated_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        html = render_to_string("compliance/effectiveness_report_pdf.html", context, request=request)
        identifier = (
            f"report-{report.programme.pk}-{report.date_from}-{report.date_to}-{generated_at.isoformat()}"
        )
        pdf = render_html_to_pdf(html, identifier=identifier.encode())
        audit_record(
            "report.downloaded",
            actor=request.user,
            obj=report.programme,
            payload={
                "report": "effectiveness",
                "programme_key": report.programme.translation_key,
                "date_from": report.date_from,
                "date_to": report.date_to,
                "sha256": hashlib.sha256(pdf).hexdigest(),
                "bytes": len(pdf),
            },
            now=generated_at,
        )
        slug = slugify(report.programme.slug)
        filename = f"effectiveness-report-{slug}-{report.date_from:%Y-%m-%d}-{report.date_to:%Y-%m-%d}.pdf"
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
