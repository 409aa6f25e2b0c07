from django.contrib.auth import get_user_model
from django.db import transaction

from . import claims as helseid_claims
from .adapter import is_helseid, verify_by_helseid


def on_social_account_added(sender, request, sociallogin, **kwargs):
    """A signed-in person connected HelseID (checked in SocialAccountAdapter.pre_social_login):
    their HPR number is now verified, and filled in when the account had none."""
    if not is_helseid(sociallogin):
        return
    hpr = helseid_claims.hpr_number_from(sociallogin.account.extra_data)
    user = sociallogin.user
    with transaction.atomic():
        if not user.hpr_number:
            get_user_model().objects.filter(pk=user.pk, hpr_number__isnull=True).update(hpr_number=hpr)
            user.refresh_from_db(fields=["hpr_number"])
        if user.hpr_number == hpr:
            verify_by_helseid(user)
