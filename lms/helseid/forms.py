from allauth.socialaccount.forms import SignupForm
from django import forms
from django.contrib.auth import get_user_model

from . import claims as helseid_claims
from .refusals import HPR_OTHER_ACCOUNT, NO_HPR_NUMBER


class HelseIDSignupForm(SignupForm):
    """The last step of a first HelseID sign-in: e-mail (HelseID has none to give), profession and
    workplace. The HPR number, and the full name when HelseID sends it, come from the verified ID
    token and are not asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extra_data = self.sociallogin.account.extra_data
        self.token_hpr_number = helseid_claims.hpr_number_from(extra_data)
        self.token_full_name = helseid_claims.full_name_from(extra_data)
        self.fields.pop("hpr_number", None)
        if self.token_full_name:
            self.fields.pop("full_name", None)

    def clean(self):
        cleaned = super().clean()
        if not self.token_hpr_number:  # refused before this form is shown; never trust a gap
            raise forms.ValidationError(NO_HPR_NUMBER, code="no_hpr")
        confirmed = get_user_model().objects.filter(
            hpr_number=self.token_hpr_number, hpr_verified_at__isnull=False
        )
        if confirmed.exists():
            raise forms.ValidationError(HPR_OTHER_ACCOUNT, code="hpr_taken")
        cleaned["hpr_number"] = self.token_hpr_number
        if self.token_full_name:
            cleaned["full_name"] = self.token_full_name
        return cleaned
