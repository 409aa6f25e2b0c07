"""Content history for Compliance officers: every published revision of a page or question (also
those the content loader published on install), with who submitted it, who approved it, what it
changed and whether it was material. Read only; needs ``courses.view_contentchange``."""

import django_filters
from django import forms
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.models import ModelLogEntry, PageLogEntry, TaskState
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from certificates.admin_attestations import ReadOnlyModelViewSet
from courses.models import ContentChange
from lms import admin_filters

from .models import PublishedRevision
from .views import RecordedExportMixin

PUBLISH = "wagtail.publish"

# Who may read the content history: whoever may view change declarations (Compliance officers,
# migration ``compliance.0002``).
register_permission_policy(PublishedRevision, ModelPermissionPolicy(ContentChange))


def published_revisions():
    """Revisions that were published (Wagtail logged their publication), newest first, with when,
    the change declared for them (if any: an install by the loader declares none) and the name of
    the reviewer who approved them."""
    published = {"revision": OuterRef("pk"), "action": PUBLISH}
    page_published = PageLogEntry.objects.filter(**published).order_by("timestamp").values("timestamp")
    model_published = ModelLogEntry.objects.filter(**published).order_by("timestamp").values("timestamp")
    declared = ContentChange.objects.filter(revision=OuterRef("pk"))
    approved = TaskState.objects.filter(revision=OuterRef("pk"), status=TaskState.STATUS_APPROVED).order_by(
        "-finished_at"
    )
    return (
        PublishedRevision.objects.annotate(
            published_at=Coalesce(Subquery(page_published[:1]), Subquery(model_published[:1])),
            material=Subquery(declared.values("material")[:1]),
            summary=Subquery(declared.values("summary")[:1]),
            content_version=Subquery(declared.values("content_version")[:1]),
            declared_by_name=Subquery(declared.values("declared_by__full_name")[:1]),
            declared_by_email=Subquery(declared.values("declared_by__email")[:1]),
            approved_by_name=Subquery(approved.values("finished_by__full_name")[:1]),
            approved_by_email=Subquery(approved.values("finished_by__email")[:1]),
        )
        .filter(published_at__isnull=False)
        .select_related("user")
    )


class ContentHistoryFilterSet(WagtailFilterSet):
    material = django_filters.BooleanFilter(label=_("Material change"), widget=forms.NullBooleanSelect)
    published_at = admin_filters.DateFromToRangeFilter(label=_("Published"), widget=DateRangePickerWidget)

    class Meta:
        model = PublishedRevision
        fields = []


class ContentHistoryIndexView(RecordedExportMixin, generic.IndexView):
    export_register = "content-history"
    page_title = _("Content history")

    def get_base_queryset(self):
        return published_revisions()

    def to_row_dict(self, item):
        row = {}
        values = {
            "published_at": item.published_at,
            "object_title": item.object_str,
            "material": item.material,
            "summary": item.summary,
            "submitted_by": _submitter(item),
            "approved_by": _approver(item),
            "content_version": item.content_version,
            "revision_id": item.pk,
        }
        row.update((field, values[field]) for field in self.list_export)
        return row


def _submitter(revision):
    if revision.declared_by_email:
        return f"{revision.declared_by_name} <{revision.declared_by_email}>"
    if revision.user_id:
        return f"{revision.user.get_full_name()} <{revision.user.email}>"
    return _("the content loader")


def _approver(revision):
    if revision.approved_by_email:
        return f"{revision.approved_by_name} <{revision.approved_by_email}>"
    return "–"


def _material(revision):
    if revision.material is None:
        return _("Not declared (installed by the loader)") if not revision.user_id else "–"
    return _("Yes") if revision.material else _("No")


def _summary(revision):
    return revision.summary if revision.summary is not None else "–"


class ContentHistoryViewSet(ReadOnlyModelViewSet):
    model = PublishedRevision
    name = "content_history"
    url_prefix = "content-history"
    icon = "history"
    menu_label = _("Content history")
    menu_order = 335
    add_to_admin_menu = True
    inspect_view_enabled = False
    index_view_class = ContentHistoryIndexView
    filterset_class = ContentHistoryFilterSet
    search_fields = ["object_str", "summary"]
    ordering = "-published_at"
    list_display = [
        DateColumn("published_at", label=_("Published")),
        Column("object_str", label=_("Changed item")),
        Column("material", label=_("Material"), accessor=_material),
        Column("summary", label=_("What changed"), accessor=_summary),
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
