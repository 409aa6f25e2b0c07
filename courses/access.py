"""Who may open learner pages: signed in, with a verified e-mail address."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url


def learner_refusal(request):
    """Return the redirect that stops this request from reading a course page, or None."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        return redirect("account_email_verification_sent")
    return None
