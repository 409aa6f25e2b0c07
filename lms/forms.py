from allauth.mfa.base.forms import AuthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .identity import hpr_canonical
from .models import User
from .validators import validate_visible_text


class PrescriberSignupForm(forms.Form):
    """Extra sign-up fields; allauth mixes this into its own sign-up form."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        validators=[validate_visible_text],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    profession = forms.ChoiceField(
        label=_("Profession"),
        choices=User.Profession.choices,
        initial=User.Profession.PHYSICIAN,
        widget=forms.RadioSelect,
    )
    profession_other = forms.CharField(
        label=_("Other profession"),
        max_length=100,
        validators=[validate_visible_text],
        required=False,
        help_text=_("Only if you chose “Other”."),
    )
    hpr_number = forms.CharField(
        label=_("HPR number"),
        max_length=20,
        help_text=_("Your number in the Norwegian health personnel register (7 to 9 digits)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    workplace = forms.CharField(
        label=_("Workplace"),
        max_length=200,
        validators=[validate_visible_text],
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    field_order = [
        "full_name",
        "email",
        "profession",
        "profession_other",
        "hpr_number",
        "workplace",
        "password1",
        "password2",
    ]

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter your full name."))
        return name

    def clean_hpr_number(self):
        # Whether another account typed the same number is not checked here, and never said: a
        # typed number reserves nothing (only a confirmed one is unique), so the answer to a
        # number in use is the answer to a free one, and nobody learns who has an account.
        return hpr_canonical(self.cleaned_data["hpr_number"])

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("profession") == User.Profession.OTHER
            and not cleaned.get("profession_other", "").strip()
        ):
            self.add_error("profession_other", _("Please tell us your profession."))
        if cleaned.get("profession") == User.Profession.PHYSICIAN:
            cleaned["profession_other"] = ""
        return cleaned

    def signup(self, request, user):
        """Called by allauth after the user is saved; the adapter already stored our fields."""


class TwoFactorCodeForm(AuthenticateForm):
    """allauth's sign-in code form, saying that a recovery code works too (``MFA_FORMS``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        )
