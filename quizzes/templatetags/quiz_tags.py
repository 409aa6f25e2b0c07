"""``{% quiz_eligibility page as quiz %}``: may the learner start the quiz now, and if not, why.

Courses templates load this tag (as they load ``attestation_tags``); courses' Python code never
imports this app.
"""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def quiz_eligibility(context, programme):
    """The answer of ``quizzes.selectors.quiz_eligibility`` for the signed-in user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return selectors.Eligibility(False, "anonymous")
    return selectors.quiz_eligibility(user=user, programme=programme)
