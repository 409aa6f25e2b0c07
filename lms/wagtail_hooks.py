"""Admin registration only; the views live in ``admin_identity.py``."""

from wagtail import hooks

from .admin_identity import HprVerificationViewSet


@hooks.register("register_admin_viewset")
def register_hpr_verification_admin():
    return HprVerificationViewSet()
