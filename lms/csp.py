"""The Content-Security-Policy on every response (django-csp).

Learner, account and verification pages run only the site's own scripts and styles: no inline
script, no inline style, nothing from another origin. The Wagtail admin's own templates still
set inline styles and a few inline scripts, so under ``/admin/`` inline code is allowed as well;
nothing there is loaded from another origin either.
"""

from csp.middleware import CSPMiddleware

ADMIN_UPDATE = {"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"]}


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path.startswith("/admin/") and parts.update is None:
            parts.update = ADMIN_UPDATE
        return parts
