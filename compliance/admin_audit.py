"""The audit trail in the Wagtail admin: browse, filter, search, inspect and export; nothing else.

Only reading views exist (no add, edit, copy, delete, history or usage pages), and the model
refuses changes anyway. Compliance officers hold ``audit.view_auditevent`` (migration
``audit.0002``). Exports are recorded (``compliance.exports``)."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic

from audit import chain
from audit.labels import action_label
from audit.models import AuditEvent
from audit.services import audit_chain_queued
from certificates.admin_attestations import ReadOnlyModelViewSet
from lms import admin_filters

from .views import RecordedExportMixin


def _actions():
    codes = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return [(code, f"{action_label(code)} ({code})") for code in codes]


class AuditEventFilterSet(WagtailFilterSet):
    action = django_filters.MultipleChoiceFilter(
        label=_("Event"), choices=_actions, widget=forms.CheckboxSelectMultiple
    )
    occurred_at = admin_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    object_type = django_filters.CharFilter(label=_("Object type"), lookup_expr="exact")
    object_id = django_filters.CharFilter(label=_("Object id"), lookup_expr="exact")
    actor_id = admin_filters.IntegerFilter(label=_("Actor id"))

    class Meta:
        model = AuditEvent
        fields = ["action", "occurred_at", "object_type", "object_id", "actor_id"]


class AuditEventIndexView(RecordedExportMixin, generic.IndexView):
    export_register = "audit-trail"

    def get_base_queryset(self):
        audit_chain_queued()  # the list and its exports hold every event recorded so far
        return super().get_base_queryset()

    def to_row_dict(self, item):
        """The time and the details exactly as the chain hashes them (UTC with microseconds,
        canonical JSON), so an inspector can recompute every row's hash from the file."""
        row = super().to_row_dict(item)
        if "occurred_at" in row:
            # As ``audit.chain.row_hash`` writes it.
            row["occurred_at"] = item.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        if "payload" in row:
            row["payload"] = chain.canonical_json(item.payload)
        return row


class AuditEventViewSet(ReadOnlyModelViewSet):
    model = AuditEvent
    index_view_class = AuditEventIndexView
    name = "audit_trail"
    icon = "history"
    menu_label = _("Audit trail")
    menu_order = 330
    add_to_admin_menu = True
    filterset_class = AuditEventFilterSet
    search_fields = ["action", "actor_label", "object_label", "object_id"]
    list_per_page = 50
    list_display = [
        Column("pk", label="#"),
        DateColumn("occurred_at", label=_("Time")),
        Column("action", label=_("Event"), accessor=lambda event: action_label(event.action)),
        Column("actor_label", label=_("Actor")),
        Column("object_type", label=_("Object type")),
        Column("object_label", label=_("Object")),
    ]
    list_export = [
        "pk",
        "occurred_at",
        "action",
        "actor_id",
        "actor_label",
        "object_type",
        "object_id",
        "object_label",
        "payload",
        "previous_hash",
        "hash",
    ]
    export_filename = "audit-trail"
    inspect_view_fields = [
        "occurred_at",
        "action",
        "actor_label",
        "actor_id",
        "object_type",
        "object_id",
        "object_label",
        "payload",
        "previous_hash",
        "hash",
    ]
