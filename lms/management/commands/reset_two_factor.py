"""``python manage.py reset_two_factor EMAIL``: remove an account's authenticator app and recovery
codes (a staff member who lost their phone) and end every session of the account. At their next
sign-in they set up a new one; the reset is written to the audit trail."""

from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

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
            ended = _end_sessions(user)
            audit_record(
                "account.mfa_cleared",
                obj=user,
                payload={"types": types, "reason": reason, "sessions_ended": ended},
            )
        removed = ", ".join(types)
        self.stdout.write(
            f"Removed {removed} from {user.email} and ended {ended} session(s); "
            "they set it up again at their next sign-in."
        )


def _end_sessions(user) -> int:
    """Delete the account's sessions (a lost phone may go with a signed-in browser). Sessions are
    kept in the database (Django's default engine), one row per browser, not indexed by user."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended
