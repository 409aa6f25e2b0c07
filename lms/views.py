from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    """Liveness and database status for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def help_page(request):
    """Help and the programme owner's contact details (edited by staff in Wagtail's settings)."""
    return render(request, "lms/help.html", {"helseid_enabled": getattr(settings, "HELSEID_ENABLED", False)})


@never_cache
@require_GET
def admin_login(request):
    """Wagtail's admin login (``WAGTAILADMIN_LOGIN_URL``): where the admin sends whoever it refuses.

    Anonymous visitors go to the one allauth login, keeping ``?next=``. A signed-in user with admin
    access goes on to ``next``. A signed-in user without it gets a 403 page saying so: sending them
    to the login would loop, since the login sends a signed-in user straight back to ``next``.
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    # Only a path on this site: no scheme, no host (so neither "https://…" nor "//…").
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=set(), require_https=request.is_secure()):
        next_url = reverse("wagtailadmin_home")
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))
    if user.has_perm("wagtailadmin.access_admin"):
        return redirect(next_url)
    # Wagtail has queued its own refusal (in English only); this page says it in the user's language.
    refusals = {WAGTAIL_REFUSAL, gettext(WAGTAIL_REFUSAL)}
    pending = [m for m in messages.get_messages(request) if str(m.message).strip() not in refusals]
    return render(request, "lms/admin_no_access.html", {"messages": pending}, status=403)


# The message wagtail.admin.auth.require_admin_access queues for a user without admin access.
WAGTAIL_REFUSAL = "You do not have permission to access the admin."
