"""The Wagtail admin for Compliance officers: attestations (read, revoke, render again) and
treatment initiations (read).

Records are never added, edited or deleted here: the only changes are revocation with a
reason and a new render of a PDF, both through ``services``. The status shown is
``selectors.status_of``, the same answer the verify page and the API give.
"""

import datetime

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.models import Locale

from audit.selectors import events_for
from courses.models import ProgrammePage
from courses.selectors import programme_title_for_reader, programme_title_in_language
from lms import admin_filters
from lms.identity import hpr_verified_q

from . import selectors, services, tasks
from .admin_base import ObjectActionView
from .forms import confirmation_texts
from .models import Attestation, TreatmentInitiation

# Only these views exist: no add, edit, copy, delete, history or usage pages.
READ_ONLY_VIEW_KWARGS = {
    "add_url_name": None,
    "edit_url_name": None,
    "copy_url_name": None,
    "delete_url_name": None,
    "history_url_name": None,
    "usage_url_name": None,
}


def _programmes(request):
    """Attestations point at the programme's default-language page."""
    return ProgrammePage.objects.filter(locale=Locale.get_default()).order_by("path")


class ProgrammeChoiceField(admin_filters.ModelChoiceFilterField):
    def label_from_instance(self, obj):
        return programme_title_for_reader(obj)  # the reader's language, not the default one


class ProgrammeFilter(admin_filters.ModelChoiceFilter):
    field_class = ProgrammeChoiceField


def _local_date(value):
    return timezone.localtime(value).date() if value else None


def _status_label(code: str) -> str:
    return selectors.AttestationStatus(code).label if code in selectors.STATUSES else code


# Attestations ------------------------------------------------------------------------------


class AttestationFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=Attestation.State.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=lambda: [(code, _status_label(code)) for code in selectors.STATUSES[:-1]],  # not "none"
        empty_label=_("All"),
        method="filter_status",
    )
    pdf_status = django_filters.ChoiceFilter(
        label=_("PDF"), choices=Attestation.PdfStatus.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    programme = ProgrammeFilter(label=_("Programme"), queryset=_programmes)
    issued_at = admin_filters.DateFromToRangeFilter(label=_("Issued"), widget=DateRangePickerWidget)
    expiring_within = django_filters.NumberFilter(
        label=_("Valid, expiring within (days)"),
        method="filter_expiring_within",
        min_value=0,
        max_value=36500,
    )
    workplace = django_filters.CharFilter(
        label=_("Workplace"), field_name="user__workplace", lookup_expr="icontains"
    )
    identity_verified = django_filters.BooleanFilter(
        label=_("HPR number confirmed"), method="filter_identity_verified", widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Attestation
        fields = [
            "state",
            "status",
            "pdf_status",
            "programme",
            "issued_at",
            "expiring_within",
            "workplace",
            "identity_verified",
        ]

    def filter_status(self, queryset, name, value):
        """What ``selectors.status_of`` says today (a replaced attestation counts as expired)."""
        if not value:
            return queryset
        return selectors.with_status_code(queryset).filter(status_code=value)

    def filter_expiring_within(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        return selectors.with_status_code(queryset).filter(
            status_code=selectors.VALID, valid_until__lte=today + datetime.timedelta(days=int(value))
        )

    def filter_identity_verified(self, queryset, name, value):
        if value is None:
            return queryset
        verified = hpr_verified_q("user__")
        return queryset.filter(verified if value else ~verified)


def _status_in_list(attestation) -> str:
    label = selectors.status_of(attestation).label
    if attestation.state == Attestation.State.SUPERSEDED:
        return gettext("%(status)s (replaced)") % {"status": label}
    return label


class AttestationStatusColumn(StatusTagColumn):
    """What ``selectors.status_of`` says today; valid ones are highlighted."""

    def __init__(self, **kwargs):
        super().__init__(
            "status",
            label=_("Status"),
            accessor=_status_in_list,
            primary=lambda attestation: selectors.status_of(attestation).ok,
            **kwargs,
        )


class PdfStatusColumn(Column):
    """The PDF's state; a failed render stands out with the number of attempts."""

    cell_template_name = "certificates/admin/pdf_status_cell.html"

    def __init__(self, **kwargs):
        super().__init__("pdf_status", label=_("PDF"), accessor="get_pdf_status_display", **kwargs)


class AttestationIndexView(generic.IndexView):
    def get_base_queryset(self):
        # The status column asks whether each holder's HPR number is confirmed; the programme is
        # named in the reader's language (the attested title, in the holder's, is on its page).
        return (
            super()
            .get_base_queryset()
            .select_related("user")
            .annotate(programme_shown=programme_title_in_language(key_field="programme_key"))
        )

    @cached_property
    def failed_count(self):
        return Attestation.objects.filter(pdf_status=Attestation.PdfStatus.FAILED).count()

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["failed_count"] = self.failed_count
        context["failed_url"] = f"{self.index_url}?pdf_status={Attestation.PdfStatus.FAILED}"
        return context

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.extend(_attestation_buttons(self, instance))
        return buttons


def _attestation_buttons(view, attestation):
    """Download, revoke, render again: shown where the attestation and the user allow them."""
    buttons = []
    if attestation.pdf_status == Attestation.PdfStatus.READY:
        buttons.append(
            Button(
                _("Download PDF"),
                url=reverse("certificates:download", args=[attestation.pk]),
                icon_name="download",
                priority=30,
            )
        )
    can_change = view.user_has_permission("change")
    if can_change and attestation.state == Attestation.State.ACTIVE:
        buttons.append(
            Button(
                _("Revoke"),
                url=reverse("attestations:revoke", args=[quote(attestation.pk)]),
                icon_name="warning",
                priority=40,
            )
        )
    if (
        can_change
        and attestation.pdf_status != Attestation.PdfStatus.READY
        and attestation.state != Attestation.State.REVOKED
    ):
        buttons.append(
            Button(
                _("Render the PDF again"),
                url=reverse("attestations:render", args=[quote(attestation.pk)]),
                icon_name="repeat",
                priority=50,
            )
        )
    return buttons


class LocalTimeInspectView(generic.InspectView):
    """Dates and times as the lists show them: in Oslo time, in the admin's language format."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime):
            return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if value is None:
            return "–"
        return value


class AttestationInspectView(LocalTimeInspectView):
    template_name = "certificates/admin/attestation_inspect.html"

    def get_field_label(self, field_name, field):
        extra = {
            "status": _("Status today"),
            "supersedes": _("Replaces"),
            "verification_url": _("Public verification page"),
            "document": _("Stored PDF"),
            "user": _("Holder's account"),
        }
        if field_name in extra:
            return extra[field_name]
        return super().get_field_label(field_name, field)

    @cached_property
    def status(self):
        return selectors.status_of(self.object)

    def get_status_display_value(self):
        newer = self.object.superseded_by if self.object.state == Attestation.State.SUPERSEDED else None
        if newer is not None:
            return gettext("%(status)s: replaced by %(serial)s") % {
                "status": self.status.label,
                "serial": newer.serial,
            }
        return f"{self.status.label}. {self.status.public_reason}"

    def get_user_display_value(self):
        user = self.object.user
        return f"{user.get_full_name()} <{user.email}>"

    def get_key_messages_display_value(self):
        if not self.object.key_messages:
            return "–"
        items = format_html_join("", "<li>{}</li>", ((message,) for message in self.object.key_messages))
        return format_html("<ul>{}</ul>", items)

    def get_supersedes_display_value(self):
        return ", ".join(a.serial for a in self.object.supersedes.order_by("-issued_at")) or "–"

    def get_superseded_by_display_value(self):
        newer = self.object.superseded_by
        return newer.serial if newer else "–"

    def get_programme_revision_display_value(self):
        revision = self.object.programme_revision
        if revision is None:
            return "–"
        return f"#{revision.pk} ({_local_date(revision.created_at)})"

    def get_renewal_change_display_value(self):
        change = self.object.renewal_change
        return str(change) if change else "–"

    def get_revoked_by_display_value(self):
        user = self.object.revoked_by
        return user.get_full_name() if user else "–"

    def get_verification_url_display_value(self):
        from .pdf import verification_url

        url = verification_url(self.object)
        # A long address breaks anywhere rather than running off a phone's screen.
        return format_html('<a href="{}" style="overflow-wrap: anywhere">{}</a>', url, url)

    def get_document_display_value(self):
        document = selectors.document_for(attestation=self.object)
        if document is None:
            return "–"
        return gettext("%(size)s bytes, SHA-256 %(sha256)s, rendered %(when)s") % {
            "size": document.size,
            "sha256": document.sha256,
            "when": formats.date_format(timezone.localtime(document.rendered_at), "DATETIME_FORMAT"),
        }

    @cached_property
    def header_more_buttons(self):
        return sorted(_attestation_buttons(self, self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = self.status
        # The attestation's whole history from the audit trail: issued, downloads, verifications,
        # API look-ups, renewal, revocation.
        context["history"] = events_for(object_type=Attestation._meta.label_lower, object_id=self.object.pk)
        context["can_change"] = self.user_has_permission("change")
        return context


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Required. The holder receives it by e-mail; it is kept with the attestation."),
    )


class AttestationActionView(ObjectActionView):
    """An action on one attestation, confirmed on its own page (needs the change permission)."""

    model = Attestation
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = selectors.status_of(self.object)
        return context


REVOKE_REFUSALS = {
    "already_revoked": _("This attestation is already revoked."),
    "superseded": _("A newer attestation replaced this one: revoke the newer one instead."),
    "reason_required": _("Give a reason for the revocation."),
}


class AttestationRevokeView(AttestationActionView):
    template_name = "certificates/admin/attestation_revoke.html"
    form_class = RevokeForm
    page_title = _("Revoke attestation")
    header_icon = "warning"

    def post(self, request, *args, **kwargs):
        if self.object.state != Attestation.State.ACTIVE:
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.attestation_revoke(
                attestation=self.object, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except services.AttestationError as error:
            field = "reason" if error.code == "reason_required" else None
            form.add_error(field, REVOKE_REFUSALS.get(error.code, error.message))
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("%(serial)s is revoked. The holder is told by e-mail.") % {"serial": self.object.serial},
        )
        return redirect(self.inspect_url)


class AttestationRenderView(AttestationActionView):
    """Render a PDF again (a failed one gets a fresh set of attempts)."""

    template_name = "certificates/admin/attestation_render.html"
    form_class = forms.Form
    page_title = _("Render the PDF again")
    header_icon = "repeat"

    def form_valid(self, form):
        if self.object.pdf_status == Attestation.PdfStatus.READY:
            messages.success(self.request, gettext("The PDF is already rendered."))
            return redirect(self.inspect_url)
        if self.object.state == Attestation.State.REVOKED:
            messages.warning(self.request, gettext("The attestation is revoked: its PDF is not rendered."))
            return redirect(self.inspect_url)
        if not selectors.attestation_may_render(attestation=self.object):
            messages.warning(
                self.request,
                gettext(
                    "The holder's HPR number has not been confirmed yet: the PDF is rendered when it is "
                    "(HPR verification)."
                ),
            )
            return redirect(self.inspect_url)
        attestation_id = self.object.pk
        services.attestation_render_reset(attestation_id=attestation_id)
        transaction.on_commit(lambda: tasks.queue_render(attestation_id), robust=True)
        messages.success(
            self.request,
            gettext("The PDF of %(serial)s is queued for rendering. Reload this page in a minute.")
            % {"serial": self.object.serial},
        )
        return redirect(self.inspect_url)


class ReadOnlyModelViewSet(ModelViewSet):
    """A list and an inspect page; nothing to add, edit, copy or delete."""

    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{**kwargs, **READ_ONLY_VIEW_KWARGS})

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    @property
    def url_finder_class(self):
        # Links to a record (e.g. from log entries) open its inspect page.
        return type(
            "_InspectURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name("inspect")}
        )


class AttestationViewSet(ReadOnlyModelViewSet):
    model = Attestation
    name = "attestations"
    icon = "doc-full"
    menu_label = _("Attestations")
    index_view_class = AttestationIndexView
    inspect_view_class = AttestationInspectView
    index_template_name = "certificates/admin/attestation_index.html"
    filterset_class = AttestationFilterSet
    search_fields = ["serial", "holder_name", "hpr_number"]
    ordering = "-issued_at"
    list_per_page = 50
    list_display = [
        "serial",  # the title column: links to the inspect page, with the row's actions
        "holder_name",
        "hpr_number",
        Column(
            "programme_title",
            label=_("Programme"),
            accessor=lambda a: a.programme_shown or a.programme_title,
            sort_key="programme_title",
        ),
        AttestationStatusColumn(),
        Column(
            "issued_at", label=_("Issued"), accessor=lambda a: _local_date(a.issued_at), sort_key="issued_at"
        ),
        Column("valid_until", label=_("Valid until"), sort_key="valid_until"),
        PdfStatusColumn(),
    ]
    inspect_view_fields = [
        "serial",
        "status",
        "state",
        "holder_name",
        "hpr_number",
        "user",
        "programme_title",
        "product",
        "programme",
        "content_version",
        "programme_revision",
        "attempt",
        "language",
        "key_messages",
        "issued_at",
        "valid_until",
        "superseded_by",
        "superseded_at",
        "supersedes",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
        "renewal_required_from",
        "renewal_change",
        "pdf_status",
        "pdf_attempts",
        "pdf_error",
        "document",
        "holder_notified_at",
        "reminder_30_sent_at",
        "reminder_7_sent_at",
        "verification_url",
    ]

    def _action_view(self, view_class):
        return self.construct_view(
            view_class,
            index_url_name=self.get_url_name("index"),
            inspect_url_name=self.get_url_name("inspect"),
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("revoke/<int:pk>/", self._action_view(AttestationRevokeView), name="revoke"),
            path("render/<int:pk>/", self._action_view(AttestationRenderView), name="render"),
        ]


# Treatment initiations -----------------------------------------------------------------------


class TreatmentInitiationFilterSet(WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"),
        choices=TreatmentInitiation.Outcome.choices,
        empty_label=_("All"),
        widget=forms.RadioSelect,
    )
    programme = ProgrammeFilter(label=_("Programme"), queryset=_programmes)
    created_at = admin_filters.DateFromToRangeFilter(label=_("Recorded"), widget=DateRangePickerWidget)
    status = django_filters.ChoiceFilter(
        label=_("Attestation status then"),
        choices=lambda: [(code, _status_label(code)) for code in selectors.STATUSES],
        empty_label=_("All"),
    )
    workplace = django_filters.CharFilter(
        label=_("Workplace"), field_name="user__workplace", lookup_expr="icontains"
    )
    identity_verified = django_filters.BooleanFilter(
        label=_("HPR number confirmed"), method="filter_identity_verified", widget=forms.NullBooleanSelect
    )

    class Meta:
        model = TreatmentInitiation
        fields = ["outcome", "status", "programme", "created_at", "workplace", "identity_verified"]

    def filter_identity_verified(self, queryset, name, value):
        if value is None:
            return queryset
        verified = hpr_verified_q("user__")
        return queryset.filter(verified if value else ~verified)


class TreatmentInitiationIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("user", "programme", "attestation")
            .annotate(programme_shown=programme_title_in_language(key_field="programme_key"))
        )


class TreatmentInitiationInspectView(LocalTimeInspectView):
    def get_status_display_value(self):
        return _status_label(self.object.status)

    def get_user_display_value(self):
        user = self.object.user
        return f"{user.get_full_name()} (HPR {user.hpr_number or '–'})"

    def get_confirmations_display_value(self):
        texts = confirmation_texts(self.object.confirmations or {})
        if not texts:
            return "–"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((text,) for text in texts)))


class TreatmentInitiationViewSet(ReadOnlyModelViewSet):
    model = TreatmentInitiation
    name = "treatment_initiations"
    url_prefix = "treatment-initiations"
    icon = "list-ul"
    menu_label = _("Treatment initiations")
    index_view_class = TreatmentInitiationIndexView
    inspect_view_class = TreatmentInitiationInspectView
    filterset_class = TreatmentInitiationFilterSet
    search_fields = ["patient_reference", "user__full_name", "user__hpr_number"]
    ordering = "-created_at"
    list_per_page = 50
    list_display = [
        "created_at",  # the title column: links to the inspect page
        Column("outcome", label=_("Outcome"), accessor="get_outcome_display"),
        Column("status", label=_("Attestation status then"), accessor=lambda t: _status_label(t.status)),
        Column("user", label=_("Prescriber"), accessor=lambda t: t.user.get_full_name()),
        Column("programme", label=_("Programme"), accessor=lambda t: t.programme_shown or t.programme.title),
        Column("patient_reference", label=_("Patient reference")),
    ]
    inspect_view_fields = [
        "created_at",
        "outcome",
        "status",
        "reason",
        "user",
        "programme",
        "attestation",
        "patient_reference",
        "confirmations",
        "language",
    ]


class ComplianceViewSetGroup(ModelViewSetGroup):
    menu_label = _("Attestations")
    menu_icon = "doc-full"
    menu_order = 320
    # Another viewset joins this menu with ``menu_hook = ComplianceViewSetGroup.submenu_hook``.
    submenu_hook = "register_compliance_menu_item"
    items = (AttestationViewSet, TreatmentInitiationViewSet)
