import sys

from django.core.management.base import BaseCommand, CommandError

from compliance import registers
from compliance.exports import CONTENT_TYPES, export_write
from courses.models import ProgrammePage


class Command(BaseCommand):
    help = (
        "Export a programme's attestations as CSV or XLSX (the same file as the admin's export), "
        "recorded like any export. A progress bar is shown on a terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="The programme's slug, e.g. lemtrada.")
        parser.add_argument("--format", required=True, choices=sorted(CONTENT_TYPES), dest="fmt")
        parser.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args, programme, fmt, output, **options):
        page = ProgrammePage.objects.filter(slug=programme).first()
        if page is None:
            raise CommandError(f"No programme with the slug {programme!r}.")
        try:  # before the export, which is recorded: no record of a file that was never written
            target = open(output, "wb")  # closed by the "with target" below
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        queryset = registers.attestations_of_programme(page)
        total = queryset.count()
        progress = self._progress_bar(total) if sys.stderr.isatty() and options["verbosity"] > 0 else None
        with target:
            export = export_write(
                register="attestations",
                fmt=fmt,
                header=registers.attestation_header(),
                rows=registers.attestation_rows(queryset),
                filters={"programme": programme, "source": "export_attestations"},
                progress=progress,
            )
            with export.file as source:
                for chunk in iter(lambda: source.read(1 << 16), b""):
                    target.write(chunk)
        if progress:
            sys.stderr.write("\n")
        self.stdout.write(f"{export.rows} attestations written to {output} (SHA-256 {export.sha256}).")

    @staticmethod
    def _progress_bar(total):
        width = 40

        def progress(count):
            if count % 500 and count != total:
                return
            done = int(width * count / total) if total else width
            sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {count}/{total}")
            sys.stderr.flush()

        return progress
