"""The attestation PDF: WeasyPrint, PDF/A-3u, shipped fonts, an inline QR code, no network.

Rendering depends only on the attestation record and files in this app's static folder:
no network access and no file outside it, so the same record gives the same document on
any machine. A resource that cannot be fetched stops the render instead of falling back
to whatever the machine has installed.
"""

import datetime
import io
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

from courses.selectors import programme_in_default_locale, programme_in_language

from . import seal, signing

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
    """The public verification URL of this attestation (printed under the QR code)."""
    path = reverse("verify_public", kwargs={"code": attestation.verification_code})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def qr_url(attestation, seal_text: str) -> str:
    """The QR code's text: the verification URL, its fragment the signed payload."""
    return f"{verification_url(attestation)}#{seal.url_fragment(seal_text)}"


def qr_svg(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_inline(scale=4, border=4, dark="#111111")


def attestation_seal(attestation, material) -> str:
    """The QR code's signed payload (``certificates.seal``), in the programme's default language slug."""
    programme = programme_in_default_locale(programme=attestation.programme)
    claims = seal.claims_of(attestation, programme_slug=programme.slug)
    return seal.seal(claims, private_key=material.private_key, kid=signing.kid_bytes(material.certificate))


def attestation_html(attestation, *, seal_text: str, material) -> str:
    programme = programme_in_language(programme=attestation.programme, language_code=attestation.language)
    with translation.override(attestation.language):
        return render_to_string(
            "certificates/attestation_pdf.html",
            {
                "attestation": attestation,
                "verification_url": verification_url(attestation),
                "verify_form_url": f"{settings.PUBLIC_BASE_URL}{reverse('certificates:verify_form')}",
                "keys_url": f"{settings.PUBLIC_BASE_URL}{reverse('attestation_keys')}",
                "qr_svg": qr_svg(qr_url(attestation, seal_text)),
                "seal": seal_text,
                "signer": material.signer_name,
                "kid": material.kid,
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


def sign_pdf(content: bytes, material, *, reason: str, location: str = "") -> bytes:
    """Sign a rendered PDF, PAdES baseline B-B (B-T with a timestamp when
    ``ATTESTATION_TSA_URL`` names a timestamp service), as an incremental update: the PDF/A-3u
    document WeasyPrint wrote stays as it was, the signature covers all of it."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(material.certificate.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            material.private_key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in material.chain[1:]]
        ),
    )
    tsa_url = getattr(settings, "ATTESTATION_TSA_URL", "")
    metadata = signers.PdfSignatureMetadata(
        field_name="AttestationSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=material.signer_name,
        use_pades_lta=False,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    # PDF/A: the document information must say what the XMP metadata says. pyHanko writes its
    # own name as the XMP producer but appends it to the information's ("WeasyPrint …; pyHanko …"),
    # unless it is there already: so give both the same producer first.
    info = writer.trailer["/Info"]
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.update_container(info)
    output = signers.sign_pdf(
        writer,
        metadata,
        signer=signer,
        timestamper=RequestsHTTPTimeStamper(tsa_url, timeout=10) if tsa_url else None,
        # Room for the signature, the chain and a timestamp token, reserved from the certificates'
        # sizes: without it pyHanko signs twice (once to measure), which costs half the time.
        bytes_reserved=4096
        + 2 * sum(len(c.public_bytes(der)) for c in material.chain)
        + (12288 if tsa_url else 0),
    )
    return output.getvalue()


def render_attestation_pdf(attestation, material) -> tuple[bytes, str]:
    """(the signed PDF, the QR code's signed payload)."""
    seal_text = attestation_seal(attestation, material)
    html = attestation_html(attestation, seal_text=seal_text, material=material)
    content = render_html_to_pdf(html, identifier=attestation.serial.encode())
    with translation.override(attestation.language):
        reason = translation.gettext("Training attestation %(serial)s") % {"serial": attestation.serial}
    return sign_pdf(content, material, reason=reason), seal_text
