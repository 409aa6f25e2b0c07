"""``{% programme_next_step progress status_code renewal_open as step %}`` for the home page;
``{{ programme|title_for_reader }}``: its title in the reader's language (the admin's reports).

The attestation status comes from certificates' template tags as a plain code: this app's Python
never imports certificates.
"""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def programme_next_step(progress, attestation, renewal_open=False):
    return selectors.programme_next_step(
        progress=progress, attestation=str(attestation), renewal_open=bool(renewal_open)
    )


@register.filter
def title_for_reader(programme):
    return selectors.programme_title_for_reader(programme)
