from django import template

from audit.labels import action_label

register = template.Library()


@register.filter
def audit_action(code: str) -> str:
    """``{{ event.action|audit_action }}``: the event's name in the reader's language."""
    return action_label(code)
