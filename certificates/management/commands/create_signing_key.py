"""Make the development attestation signing key (``make run`` and tests run it).

    python manage.py create_signing_key [--organisation NAME] [--new]

Under ``ATTESTATION_SIGNING_DIR`` (git-ignored ``var/signing`` by default) it makes a development
CA and a signing key with a certificate from that CA. With a key already there it does nothing,
unless ``--new`` (then it makes another key under the same CA: ``rotate_signing_key`` does that
and records the change). Production never uses these: it takes the organisation's own key from
the environment (README, "Signed attestations").
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates import signing


class Command(BaseCommand):
    help = "Make a development CA and attestation signing key under ATTESTATION_SIGNING_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", default=signing.DEVELOPMENT_ORGANISATION)
        parser.add_argument("--new", action="store_true", help="make a new key even if one exists")

    def handle(self, *args, organisation, new, **options):
        if not getattr(settings, "ATTESTATION_SIGNING_DEV_KEY", False):
            raise CommandError(
                "These settings take the signing key from the environment (production): "
                "no development key is made. See the README, 'Signed attestations'."
            )
        directory = signing.signing_dir()
        if signing.has_development_key(directory) and not new:
            material = signing.configured_material()
            self.stdout.write(f"A development signing key exists: {material.kid} in {directory}")
            return
        material = signing.create_development_key(directory, organisation=organisation)
        self.stdout.write(
            self.style.SUCCESS(
                f"Made development signing key {material.kid} ({material.signer_name}) in {directory}"
            )
        )
