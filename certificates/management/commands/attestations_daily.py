import datetime
import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certificates import notifications, selectors, services, tasks

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Daily attestation upkeep: e-mail the expiry reminders (30 and 7 days before expiry, "
        "each once per attestation), queue again every PDF that is still not rendered, and send "
        "the 'attestation ready' e-mail where it failed before. "
        "Safe to run more than once a day and from two machines at once. django-tasks has no "
        "periodic scheduler, so run it from cron, e.g. "
        "'15 6 * * * cd /srv/lms && .venv/bin/python manage.py attestations_daily'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Send the reminders due on this day instead of today (to catch up after an outage).",
        )

    def handle(self, *args, today=None, **options):
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today must be a date (YYYY-MM-DD), not {today!r}.") from exc
        else:
            day = timezone.localdate()
        sent = services.attestation_send_reminders(today=day)
        self.stdout.write(
            f"{day.isoformat()}: sent {sent['30']} 30-day and {sent['7']} 7-day expiry reminder(s)."
        )
        if sent["failed"]:
            self.stderr.write(
                self.style.WARNING(f"{sent['failed']} reminder(s) could not be sent; the next run retries.")
            )
        queued = tasks.queue_unrendered()
        self.stdout.write(f"Queued {queued} unrendered attestation PDF(s) for rendering.")
        announced = 0
        late = selectors.attestations_ready_unannounced(older_than=datetime.timedelta(minutes=10))
        for attestation_id in late:
            try:
                notifications.attestation_ready(attestation_id=attestation_id)
            except Exception:
                logger.exception("The 'attestation ready' e-mail for %s could not be sent", attestation_id)
                continue
            announced += 1
        self.stdout.write(f"Sent {announced} late 'attestation ready' e-mail(s).")
