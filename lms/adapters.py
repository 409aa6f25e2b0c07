from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.shortcuts import render

from . import roles
from .forms import HPR_TAKEN_MESSAGE


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Store the prescriber's profile with the user in one save, and give the Prescriber role.

        Two sign-ups with the same HPR number at the same moment both pass the form's check;
        the database's unique constraint stops the second, which sees the form again.
        """
        data = form.cleaned_data
        user.full_name = data["full_name"]
        user.profession = data["profession"]
        user.profession_other = data.get("profession_other", "")
        user.hpr_number = data["hpr_number"]
        user.workplace = data["workplace"]
        try:
            with transaction.atomic():
                user = super().save_user(request, user, form, commit=commit)
        except IntegrityError:
            if not get_user_model().objects.filter(hpr_number=data["hpr_number"]).exists():
                raise
            form.add_error("hpr_number", HPR_TAKEN_MESSAGE)
            raise ImmediateHttpResponse(render(request, "account/signup.html", {"form": form})) from None
        if commit:
            user.groups.add(Group.objects.get(name=roles.PRESCRIBER))
        return user
