"""The admin page where Medical affairs withdraw a live lesson or question urgently, with a reason."""

from django import forms
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from . import selectors, services

WITHDRAW_PERMISSION = "courses.withdraw_content"


def withdraw_url(obj) -> str:
    """The confirmation page for withdrawing ``obj`` (a lesson or a question)."""
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("courses_content_withdraw", args=[content_type.pk, quote(obj.pk)])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Required. Kept in the history of every language version withdrawn."),
    )


class ContentWithdrawView(WagtailAdminTemplateMixin, FormView):
    """Confirm, with a reason, the urgent withdrawal of a live lesson or question (POST does it)."""

    template_name = "courses/admin/content_withdraw.html"
    form_class = WithdrawForm
    page_title = _("Withdraw urgently")
    header_icon = "warning"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(WITHDRAW_PERMISSION):
            raise PermissionDenied
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        try:
            model = ContentType.objects.get_for_id(self.kwargs["content_type_id"]).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        if model is None or not selectors.content_withdrawable(model):
            raise Http404
        obj = get_object_or_404(model._default_manager, pk=unquote(self.kwargs["pk"]))
        return obj.specific if isinstance(obj, Page) else obj

    @cached_property
    def refusal(self):
        return selectors.content_withdraw_refusal(obj=self.object)

    @cached_property
    def edit_url(self):
        return AdminURLFinder(self.request.user).get_edit_url(self.object) or reverse("wagtailadmin_home")

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse_lazy("wagtailadmin_home"), "label": gettext("Home")},
            {"url": self.edit_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.object)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            is_question=selectors.content_retirable(type(self.object)),
            refusal=self.refusal,
            versions=list(selectors.content_live_versions(obj=self.object)) if not self.refusal else [],
            edit_url=self.edit_url,
        )
        return context

    def form_valid(self, form):
        if self.refusal:
            return self.form_invalid(form)
        try:
            services.content_withdraw(
                obj=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
            )
        except services.ContentNotWithdrawable as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("“%(title)s” is withdrawn: learners no longer see it.") % {"title": str(self.object)},
        )
        return redirect(self.edit_url)
