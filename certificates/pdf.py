"""The attestation PDF: WeasyPrint, PDF/A-3u, shipped fonts, an inline QR code, no network.

Rendering depends only on the attestation record and files in this app's static folder:
no network access and no file outside it, so the same record gives the same document on
any machine.
"""

import datetime
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC_DIR = (Path(__file__).resolve().parent / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs inside the project's static folder; refuses everything else."""

    def __init__(self, root: Path = STATIC_DIR):
        super().__init__(allowed_protocols=("file",))
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        if not url.startswith("file:"):
            raise ValueError(f"Refused to fetch {url!r}: only the project's static files are reachable.")
        path = Path(url.split("?")[0].removeprefix("file://")).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"Refused to fetch {url!r}: outside the project's static files.")
        return super().fetch(path.as_uri(), headers)


def verification_url(attestation) -> str:
    """The public verification URL of this attestation (the QR code's text)."""
    path = reverse("verify_public", kwargs={"code": attestation.verification_code})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def qr_svg(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, dark="#111111")


def attestation_html(attestation) -> str:
    url = verification_url(attestation)
    with translation.override(attestation.language):
        return render_to_string(
            "certificates/attestation_pdf.html",
            {
                "attestation": attestation,
                "verification_url": url,
                "qr_svg": qr_svg(url),
                "issued_on": timezone.localtime(attestation.issued_at).date(),
                "created": attestation.issued_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )


def render_html_to_pdf(html: str, *, identifier: bytes) -> bytes:
    """A bare WeasyPrint render of ``html`` as PDF/A-3u (also used by the benchmark)."""
    document = HTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant="pdf/a-3u", pdf_identifier=identifier, custom_metadata=True)


def render_attestation_pdf(attestation) -> bytes:
    return render_html_to_pdf(attestation_html(attestation), identifier=attestation.serial.encode())
