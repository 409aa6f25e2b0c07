"""The attestation signing key: which key signs PDFs and QR payloads, and which public keys are
published for verifiers.

One key signs both: the PDF (PAdES, ``certificates.pdf``) and the QR code's COSE payload
(``certificates.seal``). It is an EC P-256 key with an X.509 certificate whose chain ends at the
organisation's CA; verifiers trust that CA (``pdfsig``, Acrobat, pyHanko) or the published key
set (``/.well-known/attestation-keys.json``).

Where the key comes from (the first that is set):

- ``ATTESTATION_SIGNING_PKCS12`` (a .p12/.pfx file) and ``ATTESTATION_SIGNING_PASSPHRASE``;
- ``ATTESTATION_SIGNING_KEY`` (PEM private key) and ``ATTESTATION_SIGNING_CERT`` (PEM: the
  certificate, then its chain up to the root), with ``ATTESTATION_SIGNING_PASSPHRASE`` if the key
  is encrypted;
- outside production only: the development key that ``manage.py create_signing_key`` made under
  ``ATTESTATION_SIGNING_DIR`` (git-ignored ``var/signing`` by default).

Every key that has signed is recorded (``SigningKey``) with its certificate chain, so its public
key stays published while attestations it signed are unexpired, after the key is rotated.
"""

import base64
import datetime
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_ORGANISATION = "Prescriber training (development)"


@dataclass(frozen=True)
class SigningMaterial:
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple  # the certificate first, the root last

    @property
    def kid(self) -> str:
        return key_id(self.certificate)

    @property
    def signer_name(self) -> str:
        return certificate_name(self.certificate)


def key_id(certificate: x509.Certificate) -> str:
    """The key id: the first 8 bytes of the certificate's SHA-256, base64url (as the EU Digital
    COVID Certificate's ``kid``)."""
    return b64url(kid_bytes(certificate))


def kid_bytes(certificate: x509.Certificate) -> bytes:
    return certificate.fingerprint(hashes.SHA256())[:8]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def certificate_name(certificate: x509.Certificate) -> str:
    """Who a certificate names: its organisation, else its common name."""
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        values = certificate.subject.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return certificate.subject.rfc4514_string()


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the attestation signing key file {path}: {error}") from error


def _passphrase() -> bytes | None:
    value = getattr(settings, "ATTESTATION_SIGNING_PASSPHRASE", "") or ""
    return value.encode() if value else None


def _checked(private_key, certificate, chain) -> SigningMaterial:
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or private_key.curve.name != "secp256r1":
        raise ImproperlyConfigured(
            "The attestation signing key must be an EC P-256 key (ES256): the QR code's signature "
            "is checked with it in browsers."
        )
    if certificate.public_key().public_numbers() != private_key.public_key().public_numbers():
        raise ImproperlyConfigured("The attestation signing certificate is not the signing key's.")
    return SigningMaterial(private_key, certificate, tuple([certificate, *chain]))


def _from_pkcs12(path: str) -> SigningMaterial:
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(_read(path), _passphrase())
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Cannot open {path}: wrong passphrase or not PKCS#12 ({error})."
        ) from error
    if key is None or certificate is None:
        raise ImproperlyConfigured(f"{path} holds no private key and certificate.")
    return _checked(key, certificate, others or [])


def _from_pem(key_path: str, cert_path: str) -> SigningMaterial:
    try:
        key = serialization.load_pem_private_key(_read(key_path), _passphrase())
        certificates = x509.load_pem_x509_certificates(_read(cert_path))
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"Cannot read the attestation signing key or certificate: {error}"
        ) from error
    return _checked(key, certificates[0], certificates[1:])


def signing_dir() -> Path:
    return Path(getattr(settings, "ATTESTATION_SIGNING_DIR", settings.BASE_DIR / "var" / "signing"))


def _from_dev_dir(directory: Path) -> SigningMaterial:
    current = directory / "current.json"
    if not current.is_file() and getattr(settings, "ATTESTATION_SIGNING_DEV_KEY", False):
        return create_development_key(directory, organisation=DEVELOPMENT_ORGANISATION)
    if not current.is_file():
        raise ImproperlyConfigured(
            "No attestation signing key: run `python manage.py create_signing_key` (development), or "
            "set ATTESTATION_SIGNING_PKCS12 or ATTESTATION_SIGNING_KEY and ATTESTATION_SIGNING_CERT."
        )
    try:
        names = json.loads(current.read_text())
        key_path, chain_path = str(directory / names["key"]), str(directory / names["chain"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(f"Cannot read {current}: {error!r}") from error
    return _from_pem(key_path, chain_path)


def configured_material() -> SigningMaterial:
    """The key that signs now (cached per process; ``forget_material`` after a rotation)."""
    return _configured_material(
        getattr(settings, "ATTESTATION_SIGNING_PKCS12", ""),
        getattr(settings, "ATTESTATION_SIGNING_KEY", ""),
        getattr(settings, "ATTESTATION_SIGNING_CERT", ""),
        str(signing_dir()),
    )


@lru_cache(maxsize=4)
def _configured_material(pkcs12_path, key_path, cert_path, directory) -> SigningMaterial:
    if pkcs12_path:
        return _from_pkcs12(pkcs12_path)
    if key_path or cert_path:
        if not (key_path and cert_path):
            raise ImproperlyConfigured("Set both ATTESTATION_SIGNING_KEY and ATTESTATION_SIGNING_CERT.")
        return _from_pem(key_path, cert_path)
    return _from_dev_dir(Path(directory))


def forget_material() -> None:
    _configured_material.cache_clear()


# Development keys ----------------------------------------------------------------------------


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def create_development_key(directory: Path, *, organisation: str, now=None) -> SigningMaterial:
    """A new leaf key under the development CA in ``directory`` (the CA is made on first use),
    made the current key. Earlier leaves stay in the folder (their public keys stay published)."""
    now = now or datetime.datetime.now(datetime.UTC)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("*\n")
    ca_key_path, ca_cert_path = directory / "ca.key.pem", directory / "ca.cert.pem"
    if ca_key_path.is_file() and ca_cert_path.is_file():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("Development CA (not for production)", organisation)
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(
            ca_key_path,
            ca_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
        ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Attestation signing (development)", organisation))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        # Longer than any attestation it signs is valid (B-B signatures are checked against it).
        .not_valid_after(now + datetime.timedelta(days=365 * 12))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digitalSignature and nonRepudiation (contentCommitment), as document signing wants
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CODE_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    kid = key_id(certificate)
    stem = hashlib.sha256(kid.encode()).hexdigest()[:16]  # file-name safe
    key_name, chain_name = f"leaf-{stem}.key.pem", f"leaf-{stem}.chain.pem"
    _write_private(
        directory / key_name,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    pem = serialization.Encoding.PEM
    (directory / chain_name).write_bytes(certificate.public_bytes(pem) + ca_cert.public_bytes(pem))
    temporary = directory / "current.json.tmp"
    temporary.write_text(json.dumps({"kid": kid, "key": key_name, "chain": chain_name}))
    temporary.replace(directory / "current.json")  # atomic: a reader sees the old or the new key
    forget_material()
    return SigningMaterial(key, certificate, (certificate, ca_cert))


def has_development_key(directory: Path) -> bool:
    return (directory / "current.json").is_file()


# Published keys ------------------------------------------------------------------------------


def chain_pem(material: SigningMaterial) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in material.chain)


def jwk(chain: str, *, status: str, signed_until=None) -> dict:
    """One published key (JWK, RFC 7517) from its PEM certificate chain, with its validity."""
    certificates = x509.load_pem_x509_certificates(chain.encode("ascii"))
    leaf = certificates[0]
    numbers = leaf.public_key().public_numbers()
    return {
        "kid": key_id(leaf),
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "alg": "ES256",
        "use": "sig",
        "x5c": [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in certificates
        ],
        "signer": certificate_name(leaf),
        "not_before": leaf.not_valid_before_utc.isoformat(),
        "not_after": leaf.not_valid_after_utc.isoformat(),
        "status": status,
        # A retired key signed nothing issued after this moment: a payload claiming a later
        # issue time was not signed by us, even with the key's signature (a stolen old key).
        "signed_until": signed_until.isoformat() if signed_until else None,
    }


@dataclass(frozen=True)
class PublishedKey:
    kid: str
    public_key: ec.EllipticCurvePublicKey
    signer: str
    chain: tuple  # x509 certificates, the key's first, the root last
    signed_until: datetime.datetime | None = None

    @property
    def root_sha256(self) -> str:
        """The fingerprint of the CA the key's chain ends at: what a verifier pins."""
        return self.chain[-1].fingerprint(hashes.SHA256()).hex(":").upper()

    @property
    def root_name(self) -> str:
        return self.chain[-1].subject.rfc4514_string()


def _chain_holds(chain: tuple) -> bool:
    """Each certificate is signed by the next, and the last by itself (a root)."""
    try:
        for child, parent in zip(chain, chain[1:], strict=False):
            child.verify_directly_issued_by(parent)
        chain[-1].verify_directly_issued_by(chain[-1])
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def keys_from_jwks(document: dict) -> dict:
    """kid -> ``PublishedKey`` from a published key set (``/.well-known/attestation-keys.json``).
    Entries that are not EC P-256 keys with a whole certificate chain (each certificate signed by
    the next, up to a root) matching their kid are left out. Which root to trust is the
    verifier's decision: ``PublishedKey.root_sha256`` is what to compare."""
    keys = {}
    for entry in document.get("keys", []) if isinstance(document, dict) else []:
        try:
            chain = tuple(x509.load_der_x509_certificate(base64.b64decode(c)) for c in entry["x5c"])
            leaf = chain[0]
            public_key = leaf.public_key()
            if key_id(leaf) != entry["kid"] or not isinstance(public_key, ec.EllipticCurvePublicKey):
                continue
            if not _chain_holds(chain):
                continue
            until = entry.get("signed_until")
            signed_until = datetime.datetime.fromisoformat(until) if until else None
        except (KeyError, TypeError, ValueError, IndexError):
            continue
        keys[entry["kid"]] = PublishedKey(
            entry["kid"], public_key, certificate_name(leaf), chain, signed_until
        )
    return keys
