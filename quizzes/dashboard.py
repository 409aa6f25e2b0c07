"""The Medical affairs dashboard panel listing translations that lag behind their source."""

from wagtail.admin.ui.components import Component


class TranslationGapsPanel(Component):
    """Lessons and questions whose translation is missing, unpublished, out of step or older."""

    name = "translation_gaps"
    template_name = "quizzes/admin/translation_gaps.html"
    order = 60

    def __init__(self, *, gaps):
        self.gaps = gaps

    def get_context_data(self, parent_context):
        return {"gaps": self.gaps}
