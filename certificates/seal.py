"""The QR code's signed payload: what an attestation says, provable offline.

As the EU Digital COVID Certificate does: the claims are a CBOR map, signed as a COSE_Sign1
message (RFC 9052) with ES256 (ECDSA P-256, SHA-256), the key named by ``kid`` in the protected
header, and the message encoded base45 (RFC 9285) behind a version prefix, ``AT1:``. The QR
code's URL carries it as its fragment, which browsers never send to a server.

Why COSE and base45 rather than a compact JWS: any DCC verifier's code (CBOR, COSE_Sign1,
base45) reads it; it is a third smaller than the JWS of the same claims; ES256 keys are what
WebCrypto checks in every browser. Two characters of base45 (space and ``%``) are not allowed
in a URL, so the fragment carries them percent-encoded (``%20``, ``%25``) and a reader decodes
the fragment once (``decodeURIComponent``) to get the ``AT1:`` text back. No compression: the
payload is a few hundred bytes, mostly signature, and zlib would only make verifiers longer.

Claims (short keys, to keep the QR code small); nothing the public verify page does not show:
``s`` serial, ``n`` holder name, ``p`` programme slug, ``u`` valid until (ISO date, the last day),
``t`` issued at (Unix seconds). No HPR number.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .signing import b64url

PREFIX = "AT1:"
COSE_SIGN1_TAG = 18
ALG_ES256 = -7
HEADER_ALG, HEADER_KID = 1, 4
CLAIMS = ("s", "n", "p", "u", "t")


def claims_of(attestation, *, programme_slug: str) -> dict:
    return {
        "s": attestation.serial,
        "n": attestation.holder_name,
        "p": programme_slug,
        "u": attestation.valid_until.isoformat(),
        "t": int(attestation.issued_at.timestamp()),
    }


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal(claims: dict, *, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> str:
    """The ``AT1:`` text of the signed claims."""
    protected = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid})
    payload = cbor2.dumps(claims)
    # Deterministic ECDSA (RFC 6979): the same record always gives the same QR code.
    algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    r, s = decode_dss_signature(private_key.sign(_sig_structure(protected, payload), algorithm))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # COSE's ES256 form, as WebCrypto's
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + base45.b45encode(message).decode("ascii")


def url_fragment(text: str) -> str:
    """The ``AT1:`` text as a URL fragment: only base45's space and ``%`` are percent-encoded."""
    return quote(text, safe="$*+-./:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass
class SealCheck:
    valid: bool
    reason: str = ""
    claims: dict = field(default_factory=dict)
    kid: str = ""
    signer: str = ""

    @property
    def valid_until(self) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(self.claims["u"])
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def issued_at(self) -> datetime.datetime | None:
        try:
            return datetime.datetime.fromtimestamp(int(self.claims["t"]), tz=datetime.UTC)
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            return None


def text_from(value: str) -> str:
    """The ``AT1:`` text from itself, from a verify URL (its fragment) or from a bare fragment."""
    value = value.strip()
    if "#" in value:
        value = urlsplit(value).fragment if "://" in value else value.split("#", 1)[1]
        value = unquote(value)
    elif "%" in value and not value.startswith(PREFIX):
        value = unquote(value)
    return value


def check(value: str, *, keys: dict) -> SealCheck:
    """Verify an ``AT1:`` text (or a URL carrying it) against ``keys`` (kid -> ``PublishedKey``,
    ``signing.keys_from_jwks``). Never raises on bad input: says why it is not valid."""
    text = text_from(value)
    if not text.startswith(PREFIX):
        return SealCheck(False, "not an attestation code (it does not start with AT1:)")
    raw = _base45(text[len(PREFIX) :])
    try:
        message = cbor2.loads(raw)
        # One encoding only (as ours): no trailing bytes, no indefinite lengths, the same
        # bytes a browser's verifier reads.
        canonical = cbor2.dumps(message) == raw
    except Exception:  # noqa: BLE001 - any decoding failure means the same to the reader
        return SealCheck(False, "the code is damaged: it cannot be decoded")
    if not canonical:
        return SealCheck(False, "the code is damaged: it is not in the one encoding attestations use")
    if not (isinstance(message, cbor2.CBORTag) and message.tag == COSE_SIGN1_TAG):
        return SealCheck(False, "the code is not a signed attestation (no COSE_Sign1 message)")
    parts = message.value
    if not (
        isinstance(parts, (list, tuple))
        and len(parts) == 4
        and all(isinstance(p, bytes) for p in (parts[0], parts[2], parts[3]))
    ):
        return SealCheck(False, "the code is damaged: the signed message is malformed")
    protected, _unprotected, payload, signature = parts
    try:
        header = cbor2.loads(protected)
        claims = cbor2.loads(payload)
        canonical = cbor2.dumps(header) == protected and cbor2.dumps(claims) == payload
    except Exception:  # noqa: BLE001
        return SealCheck(False, "the code is damaged: its header or claims cannot be read")
    if not canonical or _unprotected:
        return SealCheck(False, "the code is damaged: it is not in the one encoding attestations use")
    if (
        not isinstance(header, Mapping)
        or header.get(HEADER_ALG) != ALG_ES256
        or not isinstance(header.get(HEADER_KID), bytes)
    ):
        return SealCheck(False, "the code names no supported signature (ES256 with a key id)")
    if not isinstance(claims, Mapping) or not all(name in claims for name in CLAIMS):
        return SealCheck(False, "the code's claims are incomplete")
    kid = b64url(header[HEADER_KID])
    result = SealCheck(False, claims=dict(claims), kid=kid)
    if kid not in keys:
        result.reason = f"the key {kid} is not among the published keys"
        return result
    public_key, signer = keys[kid].public_key, keys[kid].signer
    if len(signature) != 64:
        result.reason = "the signature is malformed"
        return result
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, _sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        result.reason = "the signature does not match: the code was changed or not signed with this key"
        return result
    signed_until = keys[kid].signed_until
    issued_at = result.issued_at
    if signed_until is not None and (issued_at is None or issued_at > signed_until):
        result.reason = (
            f"the key {kid} was retired on {signed_until:%Y-%m-%d} and signs nothing issued after that"
        )
        return result
    result.valid, result.signer = True, signer
    return result


def _base45(text: str) -> bytes:
    """The bytes of base45 text; text pasted from an address bar (``%20`` for a space) too."""
    try:
        return base45.b45decode(text)
    except Exception:  # noqa: BLE001
        if "%" not in text:
            return b""
    try:
        return base45.b45decode(unquote(text))
    except Exception:  # noqa: BLE001
        return b""
