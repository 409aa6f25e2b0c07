from django.core.management.base import BaseCommand, CommandError

from content.loader import load_programme


class Command(BaseCommand):
    help = "Create or update a training programme (pages, topics, questions) from content/<name>/."

    def add_arguments(self, parser):
        parser.add_argument(
            "name", nargs="?", default="lemtrada", help="Folder under content/ (default: lemtrada)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Also overwrite pages and questions that were edited in the admin since the last load.",
        )

    def handle(self, *args, name, force, **options):
        try:
            report = load_programme(name=name, force=force)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Programme '{name}': {report}"))
