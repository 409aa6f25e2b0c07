"""Verify an attestation offline: its PDF file or the text of its QR code.

    python manage.py verify_attestation LEM-2026-000123.pdf
    python manage.py verify_attestation 'https://…/verify/…/#AT1:…'   (or the AT1:… text alone)
    … --keys attestation-keys.json   (a saved copy of /.well-known/attestation-keys.json)

Checks the signature against the published keys only (by default this installation's; with
``--keys``, a file saved earlier, so it works with the service gone; ``--ca`` pins the issuer's
CA, whose fingerprint it prints) and prints holder, programme, valid-until and the result. Exits 1
when the signature fails, its key is not published, or the attestation is past its valid-until
date. A valid signature says who issued what and until when; only the online verify page
says whether the attestation was revoked since.
"""

import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError

from certificates import selectors, signing, verification


class Command(BaseCommand):
    help = "Verify an attestation PDF or QR code text offline against the published keys."

    def add_arguments(self, parser):
        parser.add_argument("target", help="a PDF file, or the QR code's text (URL or AT1:…)")
        parser.add_argument("--keys", help="a saved attestation-keys.json (default: this installation's)")
        parser.add_argument(
            "--ca",
            help="the issuer's CA certificate (PEM) to require at the end of the key's chain: "
            "a key set from elsewhere is only as trustworthy as the CA it leads to",
        )

    def handle(self, *args, target, keys=None, ca=None, **options):
        if keys:
            try:
                document = json.loads(Path(keys).read_text())
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the key set {keys}: {error}") from error
        else:
            document = selectors.published_key_set()
        published = signing.keys_from_jwks(document)
        if ca:
            try:
                pinned = x509.load_pem_x509_certificate(Path(ca).read_bytes()).fingerprint(hashes.SHA256())
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the CA certificate {ca}: {error}") from error
            published = {
                kid: key
                for kid, key in published.items()
                if key.chain[-1].fingerprint(hashes.SHA256()) == pinned
            }
        path = Path(target)
        if len(target) < 4096 and path.is_file():
            result = verification.check_pdf(path.read_bytes(), keys=published)
        else:
            result = verification.check_qr(target, keys=published)
        claims = result.claims
        if claims:
            self.stdout.write(f"Serial:      {claims.get('s', '')}")
            self.stdout.write(f"Holder:      {claims.get('n', '')}")
            self.stdout.write(f"Programme:   {claims.get('p', '')}")
            self.stdout.write(f"Valid until: {claims.get('u', '')}")
        if result.kid:
            self.stdout.write(f"Key:         {result.kid}")
        if result.kid in published:
            key = published[result.kid]
            self.stdout.write(f"Issuer CA:   {key.root_name}")
            self.stdout.write(f"CA SHA-256:  {key.root_sha256}")
        if not result.valid:
            self.stdout.write(self.style.ERROR(f"NOT VALID ({result.kind}): {result.reason}"))
            raise SystemExit(1)
        what = "PDF signature and its QR payload" if result.kind == "pdf" else "QR code signature"
        self.stdout.write(self.style.SUCCESS(f"VALID: {what} verified offline, signed by {result.signer}."))
        self.stdout.write("Whether it was revoked since can only be checked online, on the verify page.")
