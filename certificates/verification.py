"""Checking a signed attestation offline: its PDF (PAdES) or its QR code's payload (COSE), against
published keys only (``manage.py verify_attestation``; the tests). Needs no database row of the
attestation: a verifier holding only the file or a photo of the QR code can run it."""

import datetime
import io
from dataclasses import dataclass, field

from . import seal, signing


@dataclass
class OfflineCheck:
    valid: bool
    kind: str  # "pdf" or "qr"
    reason: str = ""
    signer: str = ""
    kid: str = ""
    claims: dict = field(default_factory=dict)


def _pdf_signer_kid(embedded) -> str:
    from cryptography import x509

    return signing.key_id(x509.load_der_x509_certificate(embedded.signer_cert.dump()))


def check_pdf(content: bytes, *, keys: dict, today=None) -> OfflineCheck:
    """The PDF's signature must be intact, cover the whole file, chain to the CA of a published
    key and be made with that key; the QR payload it carries (its metadata) must verify too."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - any unreadable file means the same to the reader
        return OfflineCheck(False, "pdf", f"not a readable PDF ({error.__class__.__name__})")
    if not signatures:
        return OfflineCheck(False, "pdf", "the PDF carries no signature")
    embedded = signatures[-1]
    try:
        kid = _pdf_signer_kid(embedded)
    except Exception:  # noqa: BLE001
        return OfflineCheck(False, "pdf", "the signature names no readable certificate")
    if kid not in keys:
        return OfflineCheck(False, "pdf", f"the key {kid} is not among the published keys", kid=kid)
    der = serialization.Encoding.DER
    roots = [asn1_x509.Certificate.load(keys[kid].chain[-1].public_bytes(der))]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception as error:  # noqa: BLE001
        return OfflineCheck(False, "pdf", f"the signature cannot be checked ({error})", kid=kid)
    problem = ""
    if not (status.intact and status.valid):
        problem = "the signature is broken: the file was changed after signing"
    elif not status.trusted and keys[kid].chain[0].not_valid_after_utc < datetime.datetime.now(datetime.UTC):
        expired = keys[kid].chain[0].not_valid_after_utc
        problem = (
            f"the signing certificate expired on {expired:%Y-%m-%d} (the signature carries no timestamp)"
        )
    elif not status.trusted:
        problem = "the signing certificate does not chain to the published key's CA"
    elif status.coverage.name != "ENTIRE_FILE" or len(signatures) != 1:
        problem = "the file was changed after it was signed (content added after the signature)"
    if not problem and not _contents_exact(content, embedded):
        problem = "the signature's placeholder was changed after signing"
    if problem:
        return OfflineCheck(False, "pdf", problem, kid=kid)
    # The payload, as WeasyPrint wrote the page's <meta name="attestation-seal"> into the
    # document information (covered by the signature).
    info = reader.trailer_view.get("/Info")
    info = info.get_object() if info is not None else {}
    names = ("/attestationseal", "/attestation-seal")
    seal_text = next((str(v) for k, v in info.items() if str(k).lower() in names), "")
    qr = seal.check(seal_text, keys=keys) if seal_text else None
    if qr is None or not qr.valid:
        reason = f"the PDF's signed QR payload does not verify ({qr.reason if qr else 'none found'})"
        return OfflineCheck(False, "pdf", reason, kid=kid)
    check = OfflineCheck(True, "pdf", signer=keys[kid].signer, kid=kid, claims=qr.claims)
    return _unexpired(check, valid_until=qr.valid_until, today=today)


def _contents_exact(content: bytes, embedded) -> bool:
    """The one part of a signed file its signature cannot cover, the signature's own
    ``/Contents``, holds exactly the signature (upper-case hex, as written) and zeros after it:
    otherwise a byte changed there would leave the signature intact and the file different."""
    start1, len1, start2, _len2 = embedded.byte_range
    gap = content[start1 + len1 : start2]
    if len(gap) < 4 or gap[:1] != b"<" or gap[-1:] != b">":
        return False
    digits = gap[1:-1]
    if digits != digits.upper():
        return False
    try:
        raw = bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        return False
    if raw[:1] != b"\x30" or len(raw) < 2:
        return False
    if raw[1] < 0x80:
        end = 2 + raw[1]
    else:
        size = raw[1] & 0x7F
        end = 2 + size + int.from_bytes(raw[2 : 2 + size], "big")
    return end <= len(raw) and not any(raw[end:])


def check_qr(text: str, *, keys: dict, today=None) -> OfflineCheck:
    result = seal.check(text, keys=keys)
    check = OfflineCheck(result.valid, "qr", result.reason, result.signer, result.kid, result.claims)
    return _unexpired(check, valid_until=result.valid_until, today=today)


def _unexpired(check: OfflineCheck, *, valid_until, today=None) -> OfflineCheck:
    """A genuine attestation past its valid-until date is not valid: say both."""
    today = today or datetime.date.today()
    if check.valid and valid_until is not None and valid_until < today:
        check.valid = False
        check.reason = f"the signature is genuine, but the attestation expired on {valid_until.isoformat()}"
    return check
