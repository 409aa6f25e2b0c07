"""``{% attestation_panel programme %}``: where the prescriber stands, on every learner page.

Courses and quizzes templates load this tag; their Python code never imports this app.
"""

from django import template

from lms import roles

from .. import selectors

register = template.Library()


@register.inclusion_tag("certificates/includes/attestation_panel.html", takes_context=True)
def attestation_panel(context, programme, compact=False, status=None):
    """``status`` may be passed when the page has already asked for it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not roles.has_role(user, roles.PRESCRIBER):
        return {"show": False}
    status = status or selectors.attestation_status(user=user, programme=programme)
    return {
        "show": True,
        "status": status,
        "attestation": status.attestation,
        "programme": programme,
        "compact": compact,
        "renewal_window": selectors.in_renewal_window(status),
        "request": request,
    }


@register.simple_tag(takes_context=True)
def attestation_status(context, programme):
    """``{% attestation_status page as status %}``: the status, for templates that adapt to it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return selectors.AttestationStatus(selectors.NONE)
    return selectors.attestation_status(user=user, programme=programme)
