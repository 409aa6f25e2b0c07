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
    status = (
        status
        or _known_status(request, programme)
        or selectors.attestation_status(user=user, programme=programme)
    )
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
    return _known_status(request, programme) or selectors.attestation_status(user=user, programme=programme)


@register.simple_tag(takes_context=True)
def prefetch_attestation_statuses(context, programmes):
    """``{% prefetch_attestation_statuses programmes %}``: ask for every programme's status in one
    query; the tags above then answer from it for the rest of the request (a list of programmes
    costs no query per programme)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is not None and user is not None and user.is_authenticated:
        known = getattr(request, "_attestation_statuses", {})
        known.update(selectors.attestation_statuses(user=user, programmes=programmes))
        request._attestation_statuses = known
    return ""


@register.simple_tag
def attestation_renewal_open(status):
    """``{% attestation_renewal_open status as open %}``: an attestation in force may be renewed
    now (a material change asks for it, or its end date is near enough that the quiz reopens)."""
    return bool(status.renewal_pending or selectors.in_renewal_window(status))


def _known_status(request, programme):
    return getattr(request, "_attestation_statuses", {}).get(programme.translation_key)
