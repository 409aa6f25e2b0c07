from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def helseid_enabled() -> bool:
    """Whether "Sign in with HelseID" is offered (HELSEID_CLIENT_ID set); costs no query."""
    return bool(getattr(settings, "HELSEID_ENABLED", False))
