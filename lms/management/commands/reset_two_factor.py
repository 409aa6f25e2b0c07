"""``python manage.py reset_two_factor EMAIL``: remove an account's authenticator app and recovery
codes (a staff member who lost their phone). At their next admin visit they set up a new one; the
reset is written to the audit trail."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from lms.models import User


class Command(BaseCommand):
    help = "Remove an account's two-factor authentication so that its owner sets it up again."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", required=True, help="Why (kept in the audit trail).")

    def handle(self, *args, email, reason, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the e-mail address {email!r}.")
        with transaction.atomic():
            authenticators = Authenticator.objects.filter(user=user)
            types = sorted(authenticators.values_list("type", flat=True))
            if not types:
                raise CommandError(f"{user.email} has no two-factor authentication to reset.")
            authenticators.delete()
            audit_record("account.mfa_cleared", obj=user, payload={"types": types, "reason": reason})
        removed = ", ".join(types)
        self.stdout.write(f"Removed {removed} from {user.email}; they set it up again at next sign-in.")
