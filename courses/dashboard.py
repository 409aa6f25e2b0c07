"""Panels on the Wagtail admin dashboard (registered in ``wagtail_hooks.py``)."""

from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail.permissions import policy_registry

from lms import roles


def sees_review_dates(user) -> bool:
    """Medical affairs (or a superuser) who may change pages keep the review dates."""
    if not (user.is_superuser or roles.has_role(user, roles.MEDICAL_AFFAIRS)):
        return False
    return policy_registry.get_by_type(Page).user_has_permission(user, "change")


class ProgrammesDueForReviewPanel(Component):
    """Programmes whose review date has passed or is near, or that have none; nothing when none is due."""

    name = "programmes_due_for_review"
    template_name = "courses/admin/programmes_due_for_review.html"
    order = 50

    def __init__(self, *, entries):
        self.entries = entries

    def get_context_data(self, parent_context):
        return {"entries": self.entries}
