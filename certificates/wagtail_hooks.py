"""Admin registration only; the views live in ``admin_*.py``."""

from wagtail import hooks

from .admin_attestations import ComplianceViewSetGroup
from .admin_tokens import ApiTokenViewSet


@hooks.register("register_admin_viewset")
def register_attestation_admin():
    return ComplianceViewSetGroup()


@hooks.register("register_admin_viewset")
def register_api_token_admin():
    return ApiTokenViewSet()
