"""The attestation PDF: WeasyPrint, PDF/A-3u, shipped fonts, an inline QR code, no network.

Rendering depends only on the attestation record and files in this app's static folder:
no network access and no file outside it, so the same record gives the same document on
any machine. A resource that cannot be fetched stops the render instead of falling back
to whatever the machine has installed.
"""

import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from courses.selectors import programme_in_language

STATIC_DIR = (Path(__file__).resolve().parent / "static").resolve()


class RenderError(Exception):
    """The PDF could not be rendered (e.g. a resource outside the static files was asked for)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs inside the project's static folder; refuses everything else."""

    def __init__(self, root: Path = STATIC_DIR):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused to fetch {url!r}: only the project's static files are reachable.")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"Refused to fetch {url!r}: outside the project's static files.")
        return super().fetch(path.as_uri(), headers)


def verification_url(attestation) -> str:
    """The public verification URL of this attestation (the QR code's text)."""
    path = reverse("verify_public", kwargs={"code": attestation.verification_code})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def qr_svg(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_inline(scale=4, border=4, dark="#111111")


def attestation_html(attestation) -> str:
    url = verification_url(attestation)
    programme = programme_in_language(programme=attestation.programme, language_code=attestation.language)
    with translation.override(attestation.language):
        return render_to_string(
            "certificates/attestation_pdf.html",
            {
                "attestation": attestation,
                "verification_url": url,
                "verify_form_url": f"{settings.PUBLIC_BASE_URL}{reverse('certificates:verify_form')}",
                "qr_svg": qr_svg(url),
                "issued_on": timezone.localtime(attestation.issued_at).date(),
                "source_title": programme.source_title,
                "source_date": programme.source_date,
                "created": attestation.issued_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )


def render_html_to_pdf(html: str, *, identifier: bytes) -> bytes:
    """A bare WeasyPrint render of ``html`` as PDF/A-3u (also used by the benchmark)."""
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    try:
        return document.write_pdf(pdf_variant="pdf/a-3u", pdf_identifier=identifier, custom_metadata=True)
    except FatalURLFetchingError as error:  # a BaseException: make it an ordinary, recordable failure
        raise RenderError(f"{error} ({error.__cause__})") from error


def render_attestation_pdf(attestation) -> bytes:
    return render_html_to_pdf(attestation_html(attestation), identifier=attestation.serial.encode())
