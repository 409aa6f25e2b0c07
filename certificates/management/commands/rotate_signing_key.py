"""Rotate the attestation signing key.

    python manage.py rotate_signing_key

Development (the key under ``ATTESTATION_SIGNING_DIR``): makes a new key under the development
CA and makes it the current one. Production: install the organisation's new key (the variables
``ATTESTATION_SIGNING_PKCS12`` …), restart, then run this to record it as current at once
(otherwise that happens when it first signs).

New attestations are signed with the new key. The old key is marked retired and stays in
``/.well-known/attestation-keys.json`` while any attestation it signed is unexpired, so those
still verify offline; attestations already issued are not signed again.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from certificates import selectors, services, signing


class Command(BaseCommand):
    help = "Make (development) or record (production) a new current attestation signing key."

    def handle(self, *args, **options):
        if getattr(settings, "ATTESTATION_SIGNING_DEV_KEY", False) and not (
            settings.ATTESTATION_SIGNING_PKCS12 or settings.ATTESTATION_SIGNING_KEY
        ):
            signing.create_development_key(
                signing.signing_dir(), organisation=signing.DEVELOPMENT_ORGANISATION
            )
        signing.forget_material()
        _material, key = services.signing_key_current()
        self.stdout.write(self.style.SUCCESS(f"Current signing key: {key.kid} ({key.signer_name})"))
        for published in selectors.published_signing_keys():
            if published.pk != key.pk:
                self.stdout.write(f"Still published (signed unexpired attestations): {published.kid}")
