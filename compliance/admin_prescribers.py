"""The register of prescribers for Compliance officers: who they are, whether their HPR number is
confirmed (with a way to the HPR verification queue), how far they have read, their quiz attempts
with results, their attestations and the audit events about them. Read only; exports are recorded.

Everything needs ``PERMISSION``. Compliance officers hold it (migration ``lms.0011``); Medical
affairs do not, so they never see prescribers' personal data here.
"""

import django_filters
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy

from certificates import selectors as certificate_selectors
from certificates.admin_attestations import LocalTimeInspectView, ReadOnlyModelViewSet
from lms import admin_filters, identity
from lms.models import User

from . import prescribers, registers
from .views import RecordedExportMixin

# The permission the register asks for. Compliance officers hold it and Medical affairs do not;
# reading prescribers' personal data belongs with confirming their HPR numbers.
PERMISSION = "lms.view_prescriber_register"
HPR_CONFIRM_PERMISSION = "lms.verify_hpr_number"  # the HPR verification queue's own


class PrescriberRegisterPermissionPolicy(BasePermissionPolicy):
    """Viewing is the only action, and it needs ``PERMISSION``."""

    def __init__(self):
        super().__init__(User)

    def user_has_permission(self, user, action):
        return bool(action == "view" and user.is_active and user.has_perm(PERMISSION))

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return User.objects.with_perm(PERMISSION) if "view" in actions else User.objects.none()


permission_policy = PrescriberRegisterPermissionPolicy()


def _local_date(value):
    return timezone.localtime(value).date() if value else None


def hpr_state_label(user) -> str:
    state = prescribers.hpr_state(user)
    if state == prescribers.HPR_CONFIRMED:
        return gettext("Confirmed")
    if state == prescribers.HPR_AWAITING:
        return gettext("Awaiting confirmation")
    return gettext("No HPR number")


def hpr_method_label(user) -> str:
    """How a confirmed number was confirmed, briefly (the list's second line)."""
    return {
        User.HprVerification.HELSEID: gettext("by HelseID sign-in"),
        User.HprVerification.COMPLIANCE: gettext("by a Compliance officer"),
    }.get(user.hpr_verification_method, "")


def _hpr_cell(user) -> dict:
    confirmed = prescribers.hpr_state(user) == prescribers.HPR_CONFIRMED
    return {
        "label": hpr_state_label(user),
        "confirmed": confirmed,
        "method": hpr_method_label(user) if confirmed else "",
    }


class HprStateColumn(Column):
    cell_template_name = "compliance/admin/prescriber_hpr_cell.html"

    def __init__(self, **kwargs):
        super().__init__("hpr_state", label=_("HPR state"), accessor=_hpr_cell, **kwargs)


def hpr_confirm_url(request, user) -> str | None:
    """The HPR verification queue's page to confirm this user's number, when it is waiting there
    and the viewer may confirm it."""
    if prescribers.hpr_awaits_confirmation(user) and request.user.has_perm(HPR_CONFIRM_PERMISSION):
        return reverse("hpr_verification:confirm", args=[quote(user.pk)])
    return None


# The list --------------------------------------------------------------------------------------


def _attestation_choices():
    """Valid attestation: yes or no, for any programme, and per programme when there are several."""
    programmes = list(prescribers.programmes().values_list("pk", "title"))
    if len(programmes) <= 1:
        return [("yes", _("Yes")), ("no", _("No"))]
    choices = [("yes", _("Yes, for any programme")), ("no", _("No, for no programme"))]
    for pk, title in programmes:
        choices.append((f"yes-{pk}", gettext("Yes, for %(programme)s") % {"programme": title}))
        choices.append((f"no-{pk}", gettext("No, not for %(programme)s") % {"programme": title}))
    return choices


class PrescriberFilterSet(WagtailFilterSet):
    hpr = django_filters.ChoiceFilter(
        label=_("HPR number"),
        choices=prescribers.HPR_STATES,
        empty_label=_("All"),
        method="filter_hpr",
        widget=forms.RadioSelect,
    )
    valid_attestation = django_filters.ChoiceFilter(
        label=_("Valid attestation"),
        choices=_attestation_choices,
        empty_label=_("All"),
        method="filter_valid_attestation",
        widget=forms.RadioSelect,
    )
    profession = django_filters.ChoiceFilter(
        label=_("Profession"), choices=User.Profession.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    workplace = django_filters.CharFilter(label=_("Workplace"), lookup_expr="icontains")
    date_joined = admin_filters.DateFromToRangeFilter(label=_("Signed up"), widget=DateRangePickerWidget)

    class Meta:
        model = User
        fields = ["hpr", "valid_attestation", "profession", "workplace", "date_joined"]

    def filter_hpr(self, queryset, name, value):
        return queryset.filter(prescribers.hpr_state_q(value)) if value else queryset

    def filter_valid_attestation(self, queryset, name, value):
        if not value:
            return queryset
        answer, _sep, pk = value.partition("-")
        programme_key = None
        if pk:
            programme = prescribers.programmes().filter(pk=pk).first()
            if programme is None:
                return queryset.none()
            programme_key = programme.translation_key
        holds = prescribers.valid_attestation_q(programme_key=programme_key)
        return queryset.filter(holds if answer == "yes" else ~holds)


def _attestation_tags(user) -> list[dict]:
    """The current attestation per programme, as the list shows it (no query: prefetched)."""
    return [
        {
            "programme": attestation.programme_title,
            "product": attestation.product,
            "label": certificate_selectors.AttestationStatus(attestation.status_code).label,
            "ok": attestation.status_code == certificate_selectors.VALID,
            "valid_until": attestation.valid_until,
            "url": reverse("attestations:inspect", args=[quote(attestation.pk)]),
        }
        for attestation in prescribers.current_attestations(user)
    ]


class AttestationsColumn(Column):
    cell_template_name = "compliance/admin/prescriber_attestations_cell.html"

    def __init__(self, **kwargs):
        super().__init__("attestations", label=_("Attestations"), accessor=_attestation_tags, **kwargs)


class PrescriberPaginator(WagtailPaginator):
    """Counts "prescribers", not "users"."""

    @cached_property
    def verbose_name(self):
        return gettext("prescriber")

    @cached_property
    def verbose_name_plural(self):
        return gettext("prescribers")


class PrescriberIndexView(RecordedExportMixin, generic.IndexView):
    permission_policy = permission_policy
    paginator_class = PrescriberPaginator
    export_register = "prescribers"
    page_title = _("Prescribers")
    verbose_name = _("prescriber")
    verbose_name_plural = _("prescribers")

    def get_base_queryset(self):
        queryset = prescribers.prescribers()
        if not self.is_export:  # the export reads its own way, in chunks
            queryset = queryset.prefetch_related(prescribers.current_attestations_prefetch())
        return queryset

    def search_queryset(self, queryset):
        """Also finds an HPR number typed with spaces or leading zeros."""
        found = super().search_queryset(queryset)
        if self.is_searching:
            try:
                canonical = identity.hpr_canonical(self.search_query)
            except ValidationError:  # not an HPR number: the plain search stands
                return found
            found = found | queryset.filter(hpr_number=canonical)
        return found

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "name",
                label=_("Name"),
                accessor=str,
                sort_key="full_name",
                get_url=self.get_inspect_url,
                classname="w-whitespace-nowrap",
            ),
            Column("email", label=_("E-mail address"), sort_key="email"),
            Column("hpr_number", label=_("HPR number"), sort_key="hpr_number"),
            HprStateColumn(),
            Column("workplace", label=_("Workplace"), sort_key="workplace"),
            Column(
                "date_joined",
                label=_("Signed up"),
                accessor=lambda user: formats.date_format(_local_date(user.date_joined), "SHORT_DATE_FORMAT"),
                sort_key="date_joined",
            ),
            AttestationsColumn(),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        confirm_url = hpr_confirm_url(self.request, instance)
        if confirm_url:
            buttons.append(Button(_("Confirm HPR number"), url=confirm_url, icon_name="tick", priority=20))
        return buttons

    def export_header(self, queryset):
        return registers.prescriber_header()

    def export_rows(self, queryset):
        return registers.prescriber_rows(queryset)


# One prescriber --------------------------------------------------------------------------------


class PrescriberInspectView(LocalTimeInspectView):
    permission_policy = permission_policy
    template_name = "compliance/admin/prescriber_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(prescribers.prescribers().select_related("hpr_verified_by"), pk=self.pk)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Prescribers")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_field_label(self, field_name, field):
        extra = {
            "full_name": _("Name"),
            "email": _("E-mail address"),
            "email_verified": _("E-mail address verified"),
            "date_joined": _("Signed up"),
            "is_active": _("Account active"),
        }
        if field_name in extra:
            return extra[field_name]
        return super().get_field_label(field_name, field)

    def get_profession_display_value(self):
        return self.object.profession_display or "–"

    def get_email_verified_display_value(self):
        verified = EmailAddress.objects.filter(
            user=self.object, email__iexact=self.object.email, verified=True
        )
        return gettext("Yes") if verified.exists() else gettext("No")

    def get_is_active_display_value(self):
        return gettext("Yes") if self.object.is_active else gettext("No")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.object
        attempts = list(prescribers.prescriber_attempts(user=user))
        attestations = prescribers.prescriber_attestations(user=user)
        events, events_total = prescribers.prescriber_events(
            user=user,
            attempt_ids=[attempt.pk for attempt in attempts],
            attestation_ids=[attestation.pk for attestation in attestations],
        )
        context.update(
            hpr_state=prescribers.hpr_state(user),
            hpr_state_label=hpr_state_label(user),
            hpr_confirm_url=hpr_confirm_url(self.request, user),
            typed_hpr_trusted=identity.trusts_typed_hpr(),
            other_claims=list(prescribers.other_hpr_claims(user=user)),
            reading=prescribers.prescriber_reading(user=user),
            attempts=attempts,
            attestations=attestations,
            events=events,
            events_total=events_total,
            audit_url=f"{reverse('audit_trail:index')}?actor_id={user.pk}",
        )
        return context


class PrescriberMenuItem(MenuItem):
    def is_shown(self, request):
        return permission_policy.user_has_permission(request.user, "view")


class PrescriberViewSet(ReadOnlyModelViewSet):
    model = User
    name = "prescribers"
    icon = "group"
    menu_label = _("Prescribers")
    menu_item_class = PrescriberMenuItem
    index_view_class = PrescriberIndexView
    inspect_view_class = PrescriberInspectView
    filterset_class = PrescriberFilterSet
    search_fields = ["full_name", "email", "hpr_number"]
    ordering = "-date_joined"
    list_per_page = 50
    list_export = [name for name, _label in registers.PRESCRIBER_COLUMNS]  # shows the export buttons
    inspect_view_fields = [
        "full_name",
        "email",
        "email_verified",
        "profession",
        "workplace",
        "date_joined",
        "last_login",
        "is_active",
    ]

    def register_admin_url_finder(self):
        """Links to a user elsewhere in the admin keep opening Wagtail's own user pages."""

    def register_permissions(self):
        """User permissions are Wagtail's users app's to offer; this register adds none."""
