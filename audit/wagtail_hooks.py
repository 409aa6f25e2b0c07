"""Admin registration only; the views live in ``admin.py``."""

from wagtail import hooks

from .admin import AuditEventViewSet


@hooks.register("register_admin_viewset")
def register_audit_trail():
    return AuditEventViewSet()
