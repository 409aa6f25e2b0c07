from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms import roles
from lms.identity import hpr_verify
from lms.models import User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented development password

DEMO_USERS = [
    {
        "email": "prescriber@example.com",
        "full_name": "Kari Nordmann",
        "profession": "physician",
        "hpr_number": "1234567",
        "workplace": "Oslo universitetssykehus, nevrologisk avdeling",
        "role": roles.PRESCRIBER,
    },
    {"email": "editor@example.com", "full_name": "Erik Redaktør", "role": roles.MEDICAL_AFFAIRS},
    {"email": "reviewer@example.com", "full_name": "Rita Fagkontroll", "role": roles.MEDICAL_AFFAIRS},
    {"email": "compliance@example.com", "full_name": "Carl Etterlevelse", "role": roles.COMPLIANCE_OFFICER},
]


class Command(BaseCommand):
    help = (
        "Create verified demo accounts, the prescriber's HPR number confirmed "
        "(development only; refuses to run when DEBUG is off)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password: it only runs with DEBUG on."
            )
        with transaction.atomic():
            for spec in DEMO_USERS:
                spec = dict(spec)
                role = spec.pop("role")
                email = spec.pop("email")
                user, created = get_user_model().objects.get_or_create(email=email, defaults=spec)
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save()
                user.groups.add(Group.objects.get(name=role))
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
                if user.hpr_number:
                    # Confirmed, so the whole flow works even where typed numbers are not trusted.
                    hpr_verify(
                        user=user,
                        method=User.HprVerification.COMPLIANCE,
                        note="Demo account created by seed_demo",
                    )
                self.stdout.write(f"{'created' if created else 'kept'} {email} ({role})")
        self.stdout.write(self.style.SUCCESS(f"Demo password: {DEMO_PASSWORD}"))
