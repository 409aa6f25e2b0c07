from django.core.management.base import BaseCommand, CommandError

from certificates import services


class Command(BaseCommand):
    help = (
        "Create a named token for the attestation status API (/api/v1/) and print it once. "
        "Only its SHA-256 is stored: copy it now. The token alone goes to standard output, "
        "the explanation to standard error, so it can be captured by a script. Compliance "
        "officers can also create, see and revoke tokens in the Wagtail admin (API tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name that says who uses the token, e.g. 'Apotek 1 Bergen'.")

    def handle(self, *args, name, **options):
        try:
            token, raw = services.api_token_create(name=name)
        except services.ApiTokenError as error:
            raise CommandError(error.message) from None
        self.stderr.write(
            f"API token “{token.name}” created. It is shown only now; send it as "
            "'Authorization: Bearer <token>'.",
            style_func=self.style.SUCCESS,
        )
        self.stdout.write(raw)
