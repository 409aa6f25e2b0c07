"""Admin registration only; the views live in ``admin_*.py``. The Compliance officers'
registers (attestations, treatment initiations) are registered by ``compliance``, which adds
recorded exports to them."""

from wagtail import hooks

from . import selectors
from .admin_tokens import ApiTokenViewSet
from .dashboard import SigningKeyPanel, sees_signing_key


@hooks.register("register_admin_viewset")
def register_api_token_admin():
    return ApiTokenViewSet()


@hooks.register("construct_homepage_panels")
def add_signing_key_panel(request, panels):
    if sees_signing_key(request.user):
        panels.append(SigningKeyPanel(concern=selectors.signing_key_concern()))
