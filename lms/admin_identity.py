"""The Wagtail admin's HPR verification queue, for Compliance officers.

Prescribers whose HPR number nobody has confirmed yet wait here, oldest sign-up first. A
Compliance officer checks the number (e.g. in the HPR register) and confirms it with a note
saying what was checked; ``identity.hpr_verify`` records it. Everything needs the permission
``lms.verify_hpr_number``.
"""

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy

from . import identity
from .models import User
from .validators import visible_text

PERMISSION = "lms.verify_hpr_number"


class HprVerificationPermissionPolicy(BasePermissionPolicy):
    """Every action of the queue needs one permission: ``lms.verify_hpr_number``."""

    def __init__(self):
        super().__init__(User)

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.has_perm(PERMISSION))

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return User.objects.with_perm(PERMISSION)


permission_policy = HprVerificationPermissionPolicy()


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("What did you check?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required, e.g. “Checked in the HPR register on 3 March 2026: name and profession match”. "
            "It is kept with the account."
        ),
    )

    def clean_note(self):
        note = visible_text(self.cleaned_data["note"])
        if not note:
            raise forms.ValidationError(_("Say what you checked."), code="required")
        return note


def _signed_up(user) -> str:
    return formats.date_format(timezone.localtime(user.date_joined), "SHORT_DATETIME_FORMAT")


class HprQueueIndexView(generic.IndexView):
    """Prescribers waiting for their HPR number to be confirmed, oldest sign-up first."""

    model = User
    permission_policy = permission_policy
    any_permission_required = ["change"]
    page_title = _("HPR verification")
    header_icon = "user"
    confirm_url_name = None
    search_fields = ["full_name", "email", "hpr_number", "workplace"]
    default_ordering = "date_joined"
    paginate_by = 50

    def get_base_queryset(self):
        return identity.hpr_awaiting_verification()

    def search_queryset(self, queryset):
        """Also finds an HPR number typed with spaces or leading zeros."""
        found = super().search_queryset(queryset)
        if self.is_searching:
            try:
                canonical = identity.hpr_canonical(self.search_query)
            except ValidationError:
                return found
            found = found | queryset.filter(hpr_number=canonical)
        return found

    @cached_property
    def columns(self):
        return [
            self._get_title_column("full_name"),
            Column("email", label=_("E-mail address")),
            Column("hpr_number", label=_("HPR number")),
            Column("workplace", label=_("Workplace")),
            DateColumn("date_joined", label=_("Signed up"), sort_key="date_joined"),
        ]

    def get_inspect_url(self, instance):
        # The name links to the confirmation page: there is nothing else to do with a row here.
        return reverse(self.confirm_url_name, args=[quote(instance.pk)])

    def get_list_more_buttons(self, instance):
        return [
            Button(
                _("Confirm HPR number"),
                url=reverse(self.confirm_url_name, args=[quote(instance.pk)]),
                icon_name="tick",
                priority=10,
            )
        ]


class HprConfirmView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView):
    """Confirm one prescriber's HPR number, with a required note (POST; GET shows the form)."""

    model = User
    permission_policy = permission_policy
    permission_required = "change"
    form_class = ConfirmForm
    template_name = "lms/admin/hpr_confirm.html"
    page_title = _("Confirm HPR number")
    header_icon = "tick"
    index_url_name = None

    def get_base_object_queryset(self):
        return identity.hpr_holders()

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("HPR verification")},
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.object)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["signed_up"] = _signed_up(self.object)
        context["other_claims"] = [
            {"user": other, "signed_up": _signed_up(other)}
            for other in identity.hpr_other_claims(self.object)
        ]
        context["index_url"] = reverse(self.index_url_name)
        return context

    def form_valid(self, form):
        already = self.object.hpr_verified_at is not None
        try:
            identity.hpr_verify(
                user=self.object,
                method=User.HprVerification.COMPLIANCE,
                by=self.request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if already:
            messages.info(
                self.request,
                gettext("The HPR number of %(name)s was already confirmed: nothing was changed.")
                % {"name": self.object},
            )
        else:
            messages.success(
                self.request,
                gettext(
                    "HPR number %(hpr)s of %(name)s is confirmed. Their attestations count from now on; "
                    "any attestation PDF held back until now is being made."
                )
                % {"hpr": self.object.hpr_number, "name": self.object},
            )
        return redirect(reverse(self.index_url_name))


class QueueMenuItem(MenuItem):
    """Shown to Compliance officers only, with how many prescribers are waiting."""

    def is_shown(self, request):
        return permission_policy.user_has_permission(request.user, "change")

    def render_component(self, request):
        component = super().render_component(request)
        waiting = identity.hpr_awaiting_verification().count()
        if waiting:
            component.label = f"{self.label} ({waiting})"
        return component


class HprVerificationViewSet(ViewSet):
    name = "hpr_verification"
    url_prefix = "hpr-verification"
    icon = "user"
    menu_label = _("HPR verification")
    menu_order = 330
    add_to_admin_menu = True
    menu_item_class = QueueMenuItem

    def get_urlpatterns(self):
        common = {"index_url_name": self.get_url_name("index")}
        index = {
            **common,
            "index_results_url_name": self.get_url_name("index_results"),
            "confirm_url_name": self.get_url_name("confirm"),
        }
        return [
            path("", HprQueueIndexView.as_view(**index), name="index"),
            path("results/", HprQueueIndexView.as_view(**index, results_only=True), name="index_results"),
            path("confirm/<int:pk>/", HprConfirmView.as_view(**common), name="confirm"),
        ]
