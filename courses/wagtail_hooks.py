from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem as PageActionMenuItem
from wagtail.log_actions import LogFormatter
from wagtail.models import Page
from wagtail.snippets.action_menu import ActionMenuItem as SnippetActionMenuItem

from . import selectors
from .admin_views import WITHDRAW_PERMISSION, ContentWithdrawView, withdraw_url
from .dashboard import ProgrammesDueForReviewPanel, sees_review_dates
from .declarations import record_change_declaration
from .models import LessonPage, ProgrammePage


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def record_page_change_declaration(request, page):
    if isinstance(page.specific_deferred, ProgrammePage | LessonPage):
        record_change_declaration(request=request, obj=page.specific_deferred)


@hooks.register("construct_homepage_panels")
def add_programmes_due_for_review_panel(request, panels):
    if sees_review_dates(request.user):
        panels.append(ProgrammesDueForReviewPanel(entries=selectors.programmes_due_for_review()))


@hooks.register("register_log_actions")
def register_change_log_actions(actions):
    """The declaration and the new content version appear in the history of the page or question."""

    @actions.register_action("courses.change_declared")
    class ChangeDeclared(LogFormatter):
        label = _("Declare a change")

        def format_message(self, log_entry):
            if log_entry.data.get("material"):
                return gettext("Declared a material change")
            return gettext("Declared a change that is not material")

        def format_comment(self, log_entry):
            return log_entry.data.get("summary", "")

    @actions.register_action("courses.approval_refused")
    class ApprovalRefused(LogFormatter):
        label = _("Approval refused")

        def format_message(self, log_entry):
            return gettext(
                "Approval refused: the reviewer changed the content while approving. The change is "
                "a draft; another reviewer must approve the submitted version."
            )

    @actions.register_action("courses.withdrawn")
    class Withdrawn(LogFormatter):
        label = _("Withdraw urgently")

        def format_message(self, log_entry):
            if log_entry.data.get("retired"):
                return gettext("Withdrawn urgently: unpublished and retired from the quiz")
            return gettext("Withdrawn urgently: unpublished")

        def format_comment(self, log_entry):
            return log_entry.data.get("reason", "")

    @actions.register_action("courses.material_change_published")
    class MaterialChangePublished(LogFormatter):
        label = _("Publish a material change")

        def format_message(self, log_entry):
            return gettext(
                "Material change published: programme content version %(version)s. Earlier attestations "
                "require renewal after the grace period."
            ) % {"version": log_entry.data.get("content_version")}


@hooks.register("register_admin_urls")
def register_withdraw_url():
    return [
        path(
            "withdraw/<int:content_type_id>/<str:pk>/",
            ContentWithdrawView.as_view(),
            name="courses_content_withdraw",
        )
    ]


class WithdrawMenuItemMixin:
    """“Withdraw urgently” in the editor's action menu of a live lesson or question, for those
    allowed to. Shown even while the content is locked in review: withdrawing is the urgent way
    around the review, and it only takes content away."""

    label = _("Withdraw urgently")
    name = "action-withdraw"
    icon_name = "warning"
    object_key = None

    def is_shown(self, context):
        obj = context.get(self.object_key)
        return (
            context.get("view") == "edit"
            and obj is not None
            and context["request"].user.has_perm(WITHDRAW_PERMISSION)
            and selectors.content_withdraw_refusal(obj=obj) is None
        )

    def get_url(self, parent_context):
        return withdraw_url(parent_context[self.object_key])


class WithdrawPageMenuItem(WithdrawMenuItemMixin, PageActionMenuItem):
    object_key = "page"


class WithdrawSnippetMenuItem(WithdrawMenuItemMixin, SnippetActionMenuItem):
    object_key = "instance"


@hooks.register("register_page_action_menu_item")
def register_withdraw_page_menu_item():
    return WithdrawPageMenuItem(order=45)


@hooks.register("register_snippet_action_menu_item")
def register_withdraw_snippet_menu_item(model):
    return WithdrawSnippetMenuItem(order=45) if selectors.content_withdrawable(model) else None


# -- wagtail-localize: its editor's "Publish" submits the translation to Medical review ----------
# Registered before wagtail-localize's own before_edit_page / before_edit_snippet hooks (order -1):
# those would publish the translation at once, unreviewed.


def _translation_submit_instead_of_publish(request, instance):
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect
    from wagtail.admin.utils import get_latest_str
    from wagtail.permission_policies import ModelPermissionPolicy

    from . import translation as translations

    translation = translations.translation_of(instance)
    if translation is None:
        return None
    if request.method == "POST" and request.POST.get("action") == "publish":
        if hasattr(instance, "permissions_for_user"):
            allowed = instance.permissions_for_user(request.user).can_edit()
        else:
            allowed = ModelPermissionPolicy(type(instance)).user_has_permission(request.user, "change")
        if not allowed:
            raise PermissionDenied
        try:
            translations.translation_draft_save(translation, user=request.user, submit=True)
        except translations.TranslationIncomplete as error:
            messages.error(request, translations.incomplete_message(error))
        else:
            messages.success(
                request,
                gettext("“%(title)s” in %(language)s was submitted for Medical review.")
                % {
                    "title": get_latest_str(instance),
                    "language": translation.target_locale.get_display_name(),
                },
            )
        return redirect(request.get_full_path())
    if request.method == "GET":
        from wagtail_localize.views.edit_translation import edit_translation

        response = edit_translation(request, translation, instance)
        # wagtail-localize shows its action button only to users who may publish; here the button
        # submits for review (above, labelled so in lms/locale djangojs), so editors get it too.
        if getattr(response, "status_code", None) == 200 and hasattr(response, "render"):
            response.render()
        if getattr(response, "status_code", None) == 200 and hasattr(response, "content"):
            response.content = response.content.replace(
                b"&quot;canPublish&quot;: false", b"&quot;canPublish&quot;: true"
            )
        return response
    return None


@hooks.register("before_edit_snippet", order=-1)
def submit_snippet_translation_for_review(request, instance):
    return _translation_submit_instead_of_publish(request, instance)


@hooks.register("before_edit_page", order=-1)
def submit_page_translation_for_review(request, page):
    return _translation_submit_instead_of_publish(request, page.specific)


# -- wagtail-localize actions that would bypass review or the synchronised scoring --------------
# "Convert to alias page" makes a live translation show the source's content at once, unreviewed;
# "Stop Synced translation" lets a language drift from its source. Both are refused here (the
# paths shadow wagtail-localize's, registered earlier) and the alias item is left out of the menu.


def _refused_translation_action(request, page_id=None, translation_id=None):
    from django.contrib import messages
    from django.shortcuts import redirect
    from wagtail.admin.admin_url_finder import AdminURLFinder
    from wagtail_localize.models import Translation

    target = None
    if page_id is not None:
        target = Page.objects.filter(pk=page_id).first()
    elif translation_id is not None:
        translation = Translation.objects.filter(pk=translation_id).select_related("source").first()
        if translation is not None:
            try:
                target = translation.source.get_translated_instance(translation.target_locale)
            except Exception:  # the target may be gone
                target = None
    url = AdminURLFinder(request.user).get_edit_url(target) if target is not None else None
    messages.error(
        request,
        gettext(
            "A translation stays synchronised with its Norwegian source and reaches learners only "
            "through Medical review, so this action is switched off."
        ),
    )
    return redirect(url or "wagtailadmin_home")


@hooks.register("register_admin_urls", order=-1)
def refuse_alias_and_stopped_translations():
    return [
        path("localize/page/<int:page_id>/convert_to_alias/", _refused_translation_action),
        path("localize/translate/<int:translation_id>/disable/", _refused_translation_action),
    ]


@hooks.register("construct_page_action_menu")
def hide_convert_to_alias(menu_items, request, context):
    menu_items[:] = [item for item in menu_items if item.name != "localize-convert-to-alias"]
