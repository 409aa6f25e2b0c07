from django.core.management.base import BaseCommand, CommandError

from content.loader import ForceRefused, load_programme


class Command(BaseCommand):
    help = (
        "Create a training programme (pages, topics, questions) from content/<name>/, or submit what "
        "differs from the files to Medical review. Only the first load, on a database without the "
        "programme, publishes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "name", nargs="?", default="lemtrada", help="Folder under content/ (default: lemtrada)."
        )
        parser.add_argument(
            "--summary",
            default="",
            help="What changed, for the reviewers and (if material) the attestation holders. "
            "Default: the list of changed fields.",
        )
        parser.add_argument(
            "--not-material",
            dest="material",
            action="store_false",
            help="Declare the submitted changes not material (wording only). Default: material.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Development only (refused with DEBUG off): publish the files without review, "
            "over edits made in the admin.",
        )

    def handle(self, *args, name, force, material, summary, **options):
        try:
            report = load_programme(name=name, force=force, material=material, summary=summary)
        except (FileNotFoundError, ForceRefused) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Programme '{name}': {report}"))
