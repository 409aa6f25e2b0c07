from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from .declarations import record_change_declaration
from .models import LessonPage, ProgrammePage


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def record_page_change_declaration(request, page):
    if isinstance(page.specific_deferred, ProgrammePage | LessonPage):
        record_change_declaration(request=request, obj=page.specific_deferred)


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

    @actions.register_action("courses.material_change_published")
    class MaterialChangePublished(LogFormatter):
        label = _("Publish a material change")

        def format_message(self, log_entry):
            return gettext(
                "Material change published: programme content version %(version)s. Earlier attestations "
                "require renewal after the grace period."
            ) % {"version": log_entry.data.get("content_version")}
