"""Why a HelseID sign-in was refused, in words the person can act on."""

from allauth.core.exceptions import ImmediateHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

NO_HPR_NUMBER = _(
    "HelseID did not give us an HPR number for you. This programme is for health personnel with "
    "an HPR number (the Norwegian health personnel register), so we cannot sign you in or create "
    "an account."
)
HPR_DIFFERS = _(
    "The HPR number HelseID gave us is not the one registered on your account. Nothing was "
    "changed. If the number on your account is wrong, contact us."
)
HPR_OTHER_ACCOUNT = _(
    "The HPR number HelseID gave us is registered on another account here. Nothing was changed. "
    "Contact us if you need help."
)
HPR_HAS_ACCOUNT = _(
    "An account with your HPR number already exists. Log in with its e-mail address and password, "
    "then connect HelseID to it. Nothing was changed."
)


def refuse(request, message):
    """Stop the sign-in (allauth turns this into the response) and say why. No account is
    created or changed."""
    raise ImmediateHttpResponse(render(request, "helseid/refused.html", {"message": message}, status=403))
