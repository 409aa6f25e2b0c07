"""allauth's social-account adapter: what a HelseID sign-in may do to our accounts.

A HelseID sign-in proves who holds an HPR number. It may create a prescriber account (after the
sign-up form), sign in the account it is connected to, or be connected to the signed-in
prescriber's own account; it never takes over an account, and a refusal changes nothing.
"""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib.auth import get_user_model

from lms.identity import hpr_verify

from . import claims as helseid_claims
from .provider import HelseIDProvider
from .refusals import HPR_DIFFERS, HPR_HAS_ACCOUNT, HPR_OTHER_ACCOUNT, NO_HPR_NUMBER, refuse


def is_helseid(sociallogin) -> bool:
    return sociallogin.account.provider == HelseIDProvider.id


def verify_by_helseid(user) -> None:
    if user.hpr_verified_at is None:
        hpr_verify(user=user, method=get_user_model().HprVerification.HELSEID)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        if not is_helseid(sociallogin):
            return
        hpr = helseid_claims.hpr_number_from(sociallogin.account.extra_data)
        if not hpr:
            refuse(request, NO_HPR_NUMBER)
        # Only a confirmed number belongs to an account; typed (unconfirmed) claims reserve nothing.
        holder = get_user_model().objects.filter(hpr_number=hpr, hpr_verified_at__isnull=False).first()

        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            user = request.user
            if not user.is_authenticated:
                return  # allauth refuses a connect without a signed-in user
            if user.hpr_number and user.hpr_number != hpr:
                refuse(request, HPR_DIFFERS)
            held_by_other = holder is not None and holder.pk != user.pk
            if held_by_other or (sociallogin.is_existing and sociallogin.user.pk != user.pk):
                refuse(request, HPR_OTHER_ACCOUNT)
            if sociallogin.is_existing:  # connected already: only the verification may be new
                verify_by_helseid(user)
            return  # a new connection is verified when it is saved (receivers.py)

        if sociallogin.is_existing:
            if sociallogin.user.hpr_number != hpr:
                refuse(request, HPR_DIFFERS)
            verify_by_helseid(sociallogin.user)
            return
        if holder:
            # An account has this number confirmed. HelseID proves this person holds it, but we
            # do not hand them that account: they log in and connect HelseID. (Accounts that only
            # typed the number are not theirs to take over either; a new account is made.)
            refuse(request, HPR_HAS_ACCOUNT)

    def save_user(self, request, sociallogin, form=None):
        """A new prescriber from HelseID: the account adapter stores the profile (the HPR number
        from the token, see forms.HelseIDSignupForm) and the Prescriber role; the number is
        verified by HelseID."""
        user = super().save_user(request, sociallogin, form=form)
        if is_helseid(sociallogin):
            verify_by_helseid(user)
        return user
