"""Admin registration only; the views live in ``admin_*.py``. The Compliance officers'
registers (attestations, treatment initiations) are registered by ``compliance``, which adds
recorded exports to them."""

from wagtail import hooks

from .admin_tokens import ApiTokenViewSet


@hooks.register("register_admin_viewset")
def register_api_token_admin():
    return ApiTokenViewSet()
