"""The Wagtail admin for API tokens (Compliance officers): list, create, inspect, revoke.

A token is shown once, on the page that answers the create form, and never stored: only
its SHA-256 is kept. Tokens are never edited or deleted; a revoked token stays listed with
who revoked it and when. Every change goes through ``services``.
"""

from django import forms
from django.contrib.admin.utils import quote
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, UserColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from . import services
from .admin_base import ObjectActionView
from .models import ApiToken

# The only views: list, create, inspect and revoke. No edit, copy, delete, history or usage.
NO_SUCH_VIEWS = {
    "edit_url_name": None,
    "copy_url_name": None,
    "delete_url_name": None,
    "history_url_name": None,
    "usage_url_name": None,
}


def _status_label(token) -> str:
    return gettext("Active") if token.is_active else gettext("Revoked")


def _revoke_button(view, token):
    if token.is_active and view.user_has_permission("change"):
        return Button(
            _("Revoke"),
            url=reverse(view.revoke_url_name, args=[quote(token.pk)]),
            icon_name="warning",
            priority=40,
        )
    return None


class ApiTokenIndexView(generic.IndexView):
    revoke_url_name = None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if button := _revoke_button(self, instance):
            buttons.append(button)
        return buttons


class ApiTokenCreateView(generic.CreateView):
    """The form asks for a name only; the answer is a page that shows the token, once."""

    inspect_url_name = None
    created_template_name = "certificates/admin/api_token_created.html"

    def form_valid(self, form):
        self.form = form
        try:
            self.object, raw_token = services.api_token_create(
                name=form.cleaned_data["name"], by=self.request.user
            )
        except services.ApiTokenError as error:
            form.add_error("name", error.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        # Rendered here, not redirected to: the token never passes through a session,
        # a message or a cache, and this page is the only place it ever appears.
        context = self.get_context_data(raw_token=raw_token, token=self.object)
        context["inspect_url"] = reverse(self.inspect_url_name, args=[quote(self.object.pk)])
        context["docs_url"] = reverse("api-v1:openapi-view")
        response = TemplateResponse(self.request, self.created_template_name, context)
        add_never_cache_headers(response)
        return response


class ApiTokenInspectView(generic.InspectView):
    revoke_url_name = None

    def get_field_label(self, field_name, field):
        if field_name == "status":
            return gettext("Status")
        return super().get_field_label(field_name, field)

    def get_status_display_value(self):
        return _status_label(self.object)

    def get_created_by_display_value(self):
        user = self.object.created_by
        return (user.get_full_name() or user.get_username()) if user else gettext("Command line")

    def get_revoked_by_display_value(self):
        user = self.object.revoked_by
        return (user.get_full_name() or user.get_username()) if user else "–"

    def get_last_used_at_display_value(self):
        return self.object.last_used_at or gettext("Never")

    def get_revoked_at_display_value(self):
        return self.object.revoked_at or "–"

    @cached_property
    def header_more_buttons(self):
        button = _revoke_button(self, self.object)
        return [button] if button else []


class ApiTokenRevokeView(ObjectActionView):
    """Revoke a token, confirmed on its own page (needs the change permission)."""

    model = ApiToken
    form_class = forms.Form
    template_name = "certificates/admin/api_token_revoke.html"
    page_title = _("Revoke API token")
    header_icon = "warning"

    def form_valid(self, form):
        try:
            services.api_token_revoke(token=self.object, by=self.request.user)
        except services.ApiTokenError as error:
            messages.error(self.request, error.message)
            return redirect(self.inspect_url)
        messages.success(
            self.request,
            gettext("The API token “%(name)s” is revoked: calls with it are now refused.")
            % {"name": self.object.name},
        )
        return redirect(reverse(self.index_url_name))


class ApiTokenViewSet(ModelViewSet):
    model = ApiToken
    name = "api_tokens"
    url_prefix = "api-tokens"
    icon = "key"
    menu_label = _("API tokens")
    menu_order = 300
    add_to_admin_menu = True
    menu_hook = "register_compliance_menu_item"  # inside the Attestations menu of Compliance officers
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = ApiTokenIndexView
    add_view_class = ApiTokenCreateView
    inspect_view_class = ApiTokenInspectView
    form_fields = ["name"]
    search_fields = ["name", "prefix"]
    list_display = [
        "name",  # the title column: links to the inspect page, with the row's actions
        Column("prefix", label=_("Starts with")),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
        UserColumn("created_by", label=_("Created by"), blank_display_name=_("Command line")),
        DateColumn("last_used_at", label=_("Last used"), sort_key="last_used_at"),
        StatusTagColumn(
            "revoked_at",
            label=_("Status"),
            accessor=_status_label,
            primary=lambda token: token.is_active,
            sort_key="revoked_at",
        ),
    ]
    inspect_view_fields = [
        "name",
        "status",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{**kwargs, **NO_SUCH_VIEWS, "revoke_url_name": self.get_url_name("revoke")}
        )

    @property
    def revoke_view(self):
        return self.construct_view(ApiTokenRevokeView)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("revoke/<int:pk>/", self.revoke_view, name="revoke"),
        ]

    @property
    def url_finder_class(self):
        # Links to a token (e.g. from log entries) open its inspect page.
        return type(
            "_ApiTokenURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name("inspect")}
        )
