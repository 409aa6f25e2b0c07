from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from . import roles


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Store the prescriber's profile with the user in one save, and give the Prescriber role."""
        data = form.cleaned_data
        user.full_name = data["full_name"]
        user.profession = data["profession"]
        user.profession_other = data.get("profession_other", "")
        user.hpr_number = data["hpr_number"]
        user.workplace = data["workplace"]
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user.groups.add(Group.objects.get(name=roles.PRESCRIBER))
        return user
