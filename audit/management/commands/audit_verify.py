from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain; exit non-zero naming the first row that does not verify. "
        "Prints the newest row's hash: note it elsewhere and pass it as --anchor later to detect rows "
        "cut off the end."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor", default="", help="A hash printed by an earlier run; it must still be there."
        )

    def handle(self, *args, anchor, **options):
        result = audit_chain_verify(anchor=anchor)
        if not result.ok:
            where = f"at row {result.broken_at}" if result.broken_at else "at its end"
            raise CommandError(
                f"Audit trail broken {where}: {result.reason} ({result.checked} rows before it verified)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {result.checked} rows verified."))
        if result.last_id:
            self.stdout.write(f"Newest row: {result.last_id}, hash {result.last_hash}")
