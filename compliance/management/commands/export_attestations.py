import os
import sys
import tempfile
from pathlib import Path

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
        # Written beside the output under a temporary name and renamed when complete, so a run cut
        # off (killed, disk full) never leaves a truncated file under the output's name. Opened
        # before the export, which is recorded: no record of a file that was never written.
        folder = Path(output).resolve().parent
        try:
            target = tempfile.NamedTemporaryFile(dir=folder, prefix=".export-", suffix=".part", delete=False)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        try:
            export = self._export(page, programme, fmt, target, options)
            os.replace(target.name, output)
        except BaseException:
            Path(target.name).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{export.rows} attestations written to {output} (SHA-256 {export.sha256}).")

    def _export(self, page, programme, fmt, target, options):
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
            target.flush()
            os.fsync(target.fileno())
        if progress:
            sys.stderr.write("\n")
        return export

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
