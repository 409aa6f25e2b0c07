"""What the admin's one-object action pages (revoke, render again) have in common."""

from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin


class ObjectActionView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView):
    """An action on one record, confirmed on its own page (needs the change permission).

    The viewset passes ``index_url_name`` and ``inspect_url_name``; breadcrumbs lead back to
    the list and the record.
    """

    permission_required = "change"
    index_url_name = None
    inspect_url_name = None

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": self.model._meta.verbose_name_plural.capitalize()},
            {"url": self.inspect_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.object)},
        ]

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=[quote(self.object.pk)])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["inspect_url"] = self.inspect_url
        return context
