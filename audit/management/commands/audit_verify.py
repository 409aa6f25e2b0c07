from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain; exit non-zero naming the first row that does not verify."

    def handle(self, *args, **options):
        result = audit_chain_verify()
        if not result.ok:
            raise CommandError(
                f"Audit trail broken at row {result.broken_at}: {result.reason} "
                f"({result.checked} rows before it verified)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {result.checked} rows verified."))
