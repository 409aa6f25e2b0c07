"""Content history for Compliance officers: every published change of a page or question, with
who submitted it, who approved it, what it changed and whether it was material. Read only."""

import django_filters
from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views import generic
from wagtail.models import TaskState

from certificates.admin_attestations import ReadOnlyModelViewSet
from courses.models import ContentChange

from .views import RecordedExportMixin


def published_changes():
    """Published declarations with the name of the reviewer who approved each revision."""
    approved = TaskState.objects.filter(
        revision=OuterRef("revision"), status=TaskState.STATUS_APPROVED
    ).order_by("-finished_at")
    return (
        ContentChange.objects.filter(published_at__isnull=False)
        .select_related("declared_by", "revision")
        .annotate(
            approved_by_name=Subquery(approved.values("finished_by__full_name")[:1]),
            approved_by_email=Subquery(approved.values("finished_by__email")[:1]),
        )
    )


class ContentChangeFilterSet(WagtailFilterSet):
    material = django_filters.BooleanFilter(label=_("Material change"), widget=forms.NullBooleanSelect)
    published_at = django_filters.DateFromToRangeFilter(label=_("Published"), widget=DateRangePickerWidget)

    class Meta:
        model = ContentChange
        fields = ["material", "published_at"]


class ContentHistoryIndexView(RecordedExportMixin, generic.IndexView):
    export_register = "content-history"

    def get_base_queryset(self):
        return published_changes()

    def to_row_dict(self, item):
        row = {}
        values = {
            "published_at": item.published_at,
            "object_title": item.object_title,
            "material": item.material,
            "summary": item.summary,
            "submitted_by": _submitter(item),
            "approved_by": _approver(item),
            "content_version": item.content_version,
            "revision_id": item.revision_id,
        }
        row.update((field, values[field]) for field in self.list_export)
        return row


def _submitter(change):
    user = change.declared_by
    return f"{user.get_full_name()} <{user.email}>" if user else _("the content loader")


def _approver(change):
    if change.approved_by_email:
        return f"{change.approved_by_name} <{change.approved_by_email}>"
    return "–"


class ContentHistoryViewSet(ReadOnlyModelViewSet):
    model = ContentChange
    name = "content_history"
    url_prefix = "content-history"
    icon = "history"
    menu_label = _("Content history")
    menu_order = 335
    add_to_admin_menu = True
    inspect_view_enabled = False
    index_view_class = ContentHistoryIndexView
    filterset_class = ContentChangeFilterSet
    search_fields = ["object_title", "summary"]
    ordering = "-published_at"
    list_display = [
        DateColumn("published_at", label=_("Published")),
        Column("object_title", label=_("Changed item")),
        BooleanColumn("material", label=_("Material")),
        Column("summary", label=_("What changed")),
        Column("submitted_by", label=_("Submitted by"), accessor=_submitter),
        Column("approved_by", label=_("Approved by"), accessor=_approver),
        Column("content_version", label=_("Content version")),
    ]
    list_export = [
        "published_at",
        "object_title",
        "material",
        "summary",
        "submitted_by",
        "approved_by",
        "content_version",
        "revision_id",
    ]
    export_headings = {
        "published_at": _("Published"),
        "object_title": _("Changed item"),
        "material": _("Material"),
        "summary": _("What changed"),
        "submitted_by": _("Submitted by"),
        "approved_by": _("Approved by"),
        "content_version": _("Content version"),
        "revision_id": _("Revision"),
    }

    def get_common_view_kwargs(self, **kwargs):
        # A list only: the changes are read in the list and the pages' own history.
        return super().get_common_view_kwargs(**{**kwargs, "inspect_url_name": None})

    def get_urlpatterns(self):
        return [pattern for pattern in super().get_urlpatterns() if pattern.name != "inspect"]
