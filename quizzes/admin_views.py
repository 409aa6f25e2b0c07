from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from courses.models import ProgrammePage

from . import selectors


class ItemStatisticsView(WagtailAdminTemplateMixin, TemplateView):
    """How each question performs: facility, discrimination and option choices."""

    template_name = "quizzes/admin/item_statistics.html"
    page_title = _("Item statistics")
    header_icon = "list-ul"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": _("Home")},
        {"url": "", "label": _("Item statistics")},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("quizzes.view_item_statistics"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programmes = list(ProgrammePage.objects.filter(locale=Locale.get_default()).order_by("path"))
        selected = None
        wanted = self.request.GET.get("programme")
        for programme in programmes:
            if wanted and str(programme.pk) == wanted:
                selected = programme
        selected = selected or (programmes[0] if programmes else None)
        context["programmes"] = programmes
        context["selected"] = selected
        context["items"] = (
            selectors.item_statistics(programme=selected, language=self.request.LANGUAGE_CODE)
            if selected
            else []
        )
        return context
