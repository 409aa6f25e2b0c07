from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.dashboard import sees_review_dates
from courses.declarations import record_change_declaration

from . import selectors
from .admin_views import ItemStatisticsView
from .dashboard import TranslationGapsPanel
from .models import Question


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Quiz questions")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["text", "topic", "kind", "critical", "active", "live", "locale"]
    list_filter = ["topic", "kind", "critical", "active", "live", "locale"]
    search_fields = ["text", "rationale"]
    list_per_page = 50


register_snippet(QuestionViewSet)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def record_question_change_declaration(request, instance):
    if isinstance(instance, Question):
        record_change_declaration(request=request, obj=instance)


@hooks.register("construct_homepage_panels")
def add_translation_gaps_panel(request, panels):
    if sees_review_dates(request.user):
        panels.append(TranslationGapsPanel(gaps=selectors.translation_gaps()))


@hooks.register("register_admin_urls")
def register_item_statistics_url():
    return [path("quizzes/statistics/", ItemStatisticsView.as_view(), name="quizzes_item_statistics")]


class ItemStatisticsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("quizzes.view_item_statistics")


@hooks.register("register_admin_menu_item")
def register_item_statistics_menu_item():
    return ItemStatisticsMenuItem(
        _("Item statistics"),
        reverse("quizzes_item_statistics"),
        icon_name="list-ul",
        order=310,
    )


@hooks.register("before_delete_page")
def keep_programmes_with_records(request, page):
    if selectors.records_block_page_deletion(page=page):
        messages.error(
            request,
            gettext(
                "“%(title)s” has quiz questions or attempts that must be kept. "
                "Unpublish it instead of deleting it."
            )
            % {"title": page.get_admin_display_title()},
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


@hooks.register("before_delete_user")
def keep_users_with_attempts(request, user):
    if selectors.user_has_attempts(user=user):
        messages.error(
            request,
            gettext("%(name)s has quiz attempts that must be kept. Deactivate the account instead.")
            % {"name": user.get_full_name()},
        )
        return redirect("wagtailusers_users:edit", user.pk)
    return None
