"""Signed attestations: the PDF (PAdES) and the QR code (COSE) prove themselves offline against
the published keys (``/.well-known/attestation-keys.json``), and a change of one byte or one claim
does not."""

import base64
import datetime
import io
import json
import subprocess
from pathlib import Path

import base45
import cbor2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from certificates import seal, selectors, signing, verification
from certificates.models import Attestation, SigningKey
from tests import factories
from tests.test_attestations import _pass, programme_nb  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(prescriber, programme_nb, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(prescriber, programme_nb)
    return Attestation.objects.select_related("document").get(attempt=attempt)


def _keys():
    return signing.keys_from_jwks(selectors.published_key_set())


def _tool(name: str, package: str) -> None:
    """Skip locally without a Debian tool; CI (REQUIRE_TOOLS=1, set by .ci/run) must have it."""
    import os
    import shutil

    if shutil.which(name) is None:
        if os.environ.get("REQUIRE_TOOLS"):
            pytest.fail(f"{name} is missing: apt-get install {package}")
        pytest.skip(f"{name} is not installed (apt-get install {package})")


def _pdfsig(path: Path, *, nss_dir: Path | None = None) -> str:
    _tool("pdfsig", "poppler-utils")
    command = ["pdfsig", str(path)]  # poppler-utils (its -no-ocsp makes every chain "Unknown issue")
    if nss_dir is not None:
        command[1:1] = ["-nssdir", f"sql:{nss_dir}"]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout  # noqa: S603


def _nss_trusting(ca_pem: Path, directory: Path) -> Path:
    """An NSS certificate database (as pdfsig reads) that trusts the development CA."""
    _tool("certutil", "libnss3-tools")
    directory.mkdir()
    run = {"check": True, "capture_output": True}
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], **run)  # noqa: S603, S607
    subprocess.run(  # noqa: S603
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", "ca", "-t", "CT,C,C", "-i", str(ca_pem)],  # noqa: S607
        **run,
    )
    return directory


# The PDF ---------------------------------------------------------------------------------------


def test_the_pdf_signature_is_intact_and_chains_to_the_published_key(issued, tmp_path):
    content = bytes(issued.document.content)
    result = verification.check_pdf(content, keys=_keys())
    assert result.valid, result.reason
    assert result.claims["s"] == issued.serial and result.kid == issued.document.signing_kid
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    report = _pdfsig(path)
    assert "Signature is Valid." in report
    assert "ETSI.CAdES.detached" in report and "Total document signed" in report
    assert "Certificate is Trusted." not in report  # nothing trusts the development CA by default
    # pdfsig trusting the configured CA reports the chain trusted.
    nss = _nss_trusting(Path(settings.ATTESTATION_SIGNING_DIR) / "ca.cert.pem", tmp_path / "nss")
    trusted = _pdfsig(path, nss_dir=nss)
    assert "Signature is Valid." in trusted and "Certificate is Trusted." in trusted


def test_one_flipped_byte_breaks_the_pdf_for_pyhanko_and_pdfsig(issued, tmp_path):
    content = bytearray(issued.document.content)
    # A byte in the signed page content (before the signature's own revision).
    offset = content.index(b"stream") + 200
    content[offset] ^= 0x01
    assert not verification.check_pdf(bytes(content), keys=_keys()).valid
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(content))
    assert "Signature is Valid." not in _pdfsig(path)


@pytest.mark.parametrize("where", ["padding", "case"])
def test_a_byte_changed_in_the_signature_placeholder_is_found_too(issued, where):
    """The signature cannot cover its own placeholder: any change there must be found anyway."""
    import re

    content = bytearray(issued.document.content)
    assert verification.check_pdf(bytes(content), keys=_keys()).valid
    start1, len1, start2, _ = map(
        int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", content).groups()
    )
    if where == "padding":
        content[start2 - 3] = ord("1")  # in the zeros after the signature
    else:
        first_letter = next(i for i in range(len1 + 1, start2) if chr(content[i]) in "ABCDEF")
        content[first_letter] = ord(chr(content[first_letter]).lower())
    result = verification.check_pdf(bytes(content), keys=_keys())
    assert not result.valid and "placeholder" in result.reason


def test_the_stored_sha256_is_that_of_the_signed_file(issued):
    import hashlib

    content = bytes(issued.document.content)
    assert b"/ByteRange" in content and b"/ETSI.CAdES.detached" in content
    assert issued.document.sha256 == hashlib.sha256(content).hexdigest()


def test_the_pdf_stays_pdf_a_3u_after_signing(issued):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(bytes(issued.document.content)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    # The document information says what the XMP metadata says (PDF/A-3, 6.6.2.3.1).
    info = reader.trailer["/Info"].get_object()
    assert f'pdf:Producer="{info["/Producer"]}"' in xmp
    modified = info["/ModDate"]  # D:YYYYMMDDHHmmSS+HH'mm'
    digits = modified[2:16]
    iso = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:{digits[12:14]}"
    assert f'xmp:ModifyDate="{iso}' in xmp


# The QR code -----------------------------------------------------------------------------------


def test_the_qr_payload_round_trips_and_holds_no_hpr_number(issued):
    text = issued.document.seal
    result = seal.check(text, keys=_keys())
    assert result.valid and result.signer == "Prescriber training (tests)"
    assert result.claims == {
        "s": issued.serial,
        "n": issued.holder_name,
        "p": issued.programme.slug,
        "u": issued.valid_until.isoformat(),
        "t": int(issued.issued_at.timestamp()),
    }
    message = cbor2.loads(base45.b45decode(text.removeprefix("AT1:")))
    assert message.tag == 18  # COSE_Sign1
    everything = repr(cbor2.loads(message.value[2])) + text
    assert issued.hpr_number not in everything and issued.user.hpr_number not in everything


def test_the_qr_url_fragment_decodes_to_the_payload(issued):
    from certificates import pdf

    url = pdf.qr_url(issued, issued.document.seal)
    assert " " not in url
    assert seal.check(url, keys=_keys()).valid


def _resealed(text: str, change) -> str:
    message = cbor2.loads(base45.b45decode(text.removeprefix("AT1:")))
    protected, unprotected, payload, signature = message.value
    claims = cbor2.loads(payload)
    change(claims)
    forged = cbor2.CBORTag(18, [protected, dict(unprotected), cbor2.dumps(claims), signature])
    return "AT1:" + base45.b45encode(cbor2.dumps(forged)).decode()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: c.update(u="2099-12-31"), id="valid-until"),
        pytest.param(lambda c: c.update(n="Someone Else"), id="holder"),
        pytest.param(lambda c: c.update(p="other-programme"), id="programme"),
    ],
)
def test_one_changed_claim_fails(issued, change):
    result = seal.check(_resealed(issued.document.seal, change), keys=_keys())
    assert not result.valid and "signature does not match" in result.reason


def test_one_flipped_byte_of_the_signature_fails(issued):
    raw = bytearray(base45.b45decode(issued.document.seal.removeprefix("AT1:")))
    raw[-1] ^= 0x01
    assert not seal.check("AT1:" + base45.b45encode(bytes(raw)).decode(), keys=_keys()).valid


def test_a_key_that_is_not_published_fails(issued):
    assert seal.check(issued.document.seal, keys={}).reason.startswith("the key ")
    assert not verification.check_pdf(bytes(issued.document.content), keys={}).valid


@pytest.mark.parametrize(
    "text", ["", "AT1:", "AT1:%%%", "HC1:6BFOXN", "AT1:" + base45.b45encode(b"\x00").decode()]
)
def test_garbage_is_refused_with_a_reason_never_an_error(text):
    result = seal.check(text, keys={})
    assert not result.valid and result.reason


# Published keys and rotation -------------------------------------------------------------------


def test_the_published_keys_are_a_jwk_set_with_ids_and_validity(client, issued):
    response = client.get("/.well-known/attestation-keys.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [issued.document.signing_kid]
    key = keys[0]
    assert (
        key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256" and key["status"] == "current"
    )
    assert key["not_before"] < key["not_after"] and len(key["x5c"]) == 2
    assert base64.urlsafe_b64decode(key["x"] + "=")  # the public point, base64url


def test_rotation_keeps_old_attestations_verifiable_until_they_expire(
    issued, prescriber, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.ATTESTATION_SIGNING_DIR = tmp_path / "signing"
    signing.forget_material()
    try:
        call_command("rotate_signing_key", stdout=io.StringIO())
        new_kid = signing.configured_material().kid
        assert new_kid != issued.document.signing_kid
        published = {k["kid"]: k["status"] for k in selectors.published_key_set()["keys"]}
        assert published == {new_kid: "current", issued.document.signing_kid: "retired"}
        # The old attestation still verifies offline, from a saved copy of the key set.
        saved = tmp_path / "keys.json"
        saved.write_text(json.dumps(selectors.published_key_set()))
        pdf_path = tmp_path / "old.pdf"
        pdf_path.write_bytes(bytes(issued.document.content))
        out = io.StringIO()
        call_command("verify_attestation", str(pdf_path), "--keys", str(saved), stdout=out)
        assert "VALID" in out.getvalue() and issued.holder_name in out.getvalue()
        # Once every attestation it signed has expired, the old key is no longer published.
        Attestation.objects.filter(pk=issued.pk).update(valid_until=datetime.date(2020, 1, 1))
        assert [k["kid"] for k in selectors.published_key_set()["keys"]] == [new_kid]
        assert SigningKey.objects.get(kid=issued.document.signing_kid).retired_at is not None
    finally:
        signing.forget_material()


def test_verify_attestation_prints_the_claims_and_exits_non_zero_on_failure(issued):
    out = io.StringIO()
    call_command("verify_attestation", issued.document.seal, stdout=out)
    assert issued.holder_name in out.getvalue() and issued.valid_until.isoformat() in out.getvalue()
    forged = _resealed(issued.document.seal, lambda c: c.update(u="2099-12-31"))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_attestation", forged, stdout=out)
    assert exit_.value.code == 1 and "NOT VALID" in out.getvalue()


def test_production_refuses_to_start_without_a_signing_key():
    from tests.test_hardening import production

    result = production("check", without=["ATTESTATION_SIGNING_PKCS12"])
    assert result.returncode != 0
    assert "Set ATTESTATION_SIGNING_PKCS12" in result.stderr


# The verify page's online half -----------------------------------------------------------------


def test_the_status_json_says_the_status_now_and_is_recorded(client, issued):
    from audit.models import AuditEvent
    from certificates import services

    url = f"/verify/{issued.verification_code}/status.json"
    body = client.get(url, {"serial": issued.serial}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["status"] == "valid" and body["may_initiate"] is True and body["serial_matches"] is True
    assert body["valid_until"] == issued.valid_until.isoformat()
    assert issued.hpr_number not in json.dumps(body) and issued.serial not in json.dumps(body)
    # The payload of another attestation grafted onto this address: the answer says so, nothing more.
    other = client.get(url, {"serial": "LEM-2026-999999"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert other["serial_matches"] is False and "LEM-2026-999999" not in json.dumps(other)

    from tests import factories

    services.attestation_revoke(
        attestation=issued, by=factories.ComplianceFactory(), reason="Issued in error."
    )
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="nb").json()
    assert body["status"] == "revoked" and body["may_initiate"] is False and body["label"] == "Tilbakekalt"
    assert client.get("/verify/no-such-code/status.json").status_code == 404
    via = AuditEvent.objects.filter(action="attestation.verified").values_list("payload__via", flat=True)
    assert list(via) == ["qr_signature_then_server"] * 3


def test_the_verify_page_carries_the_published_keys_and_no_inline_code(client, issued):
    page = client.get(f"/verify/{issued.verification_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="attestation-keys" type="application/json"' in page
    assert issued.document.signing_kid in page
    assert "/static/certificates/verify-seal.js" in page
    assert 'data-status-url="/verify/' in page
    assert issued.serial not in page  # as before: the verify page shows no serial


def test_the_key_set_may_be_fetched_from_any_origin_and_cached_briefly(client, issued):
    response = client.get("/.well-known/attestation-keys.json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in response["Cache-Control"]
    assert client.post("/.well-known/attestation-keys.json").status_code == 405


# B-T: with a timestamp service -------------------------------------------------------------------


@pytest.fixture
def timestamp_service(settings):
    """A timestamp authority (RFC 3161) on loopback, its certificate from the development CA."""
    import http.server
    import threading

    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    directory = Path(settings.ATTESTATION_SIGNING_DIR)
    ca_key = serialization.load_pem_private_key((directory / "ca.key.pem").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((directory / "ca.cert.pem").read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA is RSA-only
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
    )
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            asked.append(self.headers["Content-Type"])
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ATTESTATION_TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    yield asked
    server.shutdown()


def _signature_status(content: bytes):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    ca = signing.configured_material().chain[-1].public_bytes(serialization.Encoding.DER)
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(ca)], allow_fetching=False)
    embedded = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    return validate_pdf_signature(embedded, context)


def test_with_a_timestamp_service_the_signature_is_b_t(
    timestamp_service,
    prescriber,
    programme_nb,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(prescriber, programme_nb)
    attestation = Attestation.objects.get(attempt=attempt)
    status = _signature_status(bytes(attestation.document.content))
    assert timestamp_service and set(timestamp_service) == {"application/timestamp-query"}
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
    assert verification.check_pdf(bytes(attestation.document.content), keys=_keys()).valid


def test_without_one_it_is_b_b(issued):
    status = _signature_status(bytes(issued.document.content))
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is None


# What an attacker tried (red team, 2026-11-26) ------------------------------------------------------


def _sealed(claims_change, *, material=None):
    """A payload signed with the current key (or ``material``), claims changed first."""
    material = material or signing.configured_material()
    claims = {
        "s": "LEM-2026-000001",
        "n": "Kari Nordmann",
        "p": "lemtrada",
        "u": "2027-11-25",
        "t": 1795000000,
    }
    claims_change(claims)
    return seal.seal(claims, private_key=material.private_key, kid=signing.kid_bytes(material.certificate))


def test_a_genuine_but_expired_attestation_is_not_valid_offline(issued):
    expired = _sealed(lambda c: c.update(u="2021-01-31", t=1580000000))
    assert seal.check(expired, keys=_keys()).valid  # the signature itself is genuine
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_attestation", expired, stdout=out)
    assert exit_.value.code == 1 and "expired on 2021-01-31" in out.getvalue()


def test_a_retired_key_signs_nothing_issued_after_its_retirement(issued, settings, tmp_path):
    old = signing.configured_material()
    settings.ATTESTATION_SIGNING_DIR = tmp_path / "signing"
    signing.forget_material()
    try:
        call_command("rotate_signing_key", stdout=io.StringIO())
        # Someone who stole the old key signs a new attestation with it.
        forged = _sealed(
            lambda c: c.update(t=int(datetime.datetime(2031, 1, 1).timestamp()), u="2099-01-01"), material=old
        )
        result = seal.check(forged, keys=_keys())
        assert not result.valid and "was retired on" in result.reason
        # What it signed before it was retired still verifies.
        assert seal.check(issued.document.seal, keys=_keys()).valid
    finally:
        signing.forget_material()


def test_a_payload_in_another_encoding_is_refused(issued):
    text = _sealed(lambda c: None)
    raw = base45.b45decode(text.removeprefix("AT1:"))
    assert seal.check(text, keys=_keys()).valid
    trailing = "AT1:" + base45.b45encode(raw + b"\x00").decode()
    assert "one encoding" in seal.check(trailing, keys=_keys()).reason


def test_the_fragment_as_copied_from_the_address_bar_verifies(issued):
    fragment = seal.url_fragment(issued.document.seal)
    assert "%20" in fragment or "%25" in fragment
    assert seal.check(fragment, keys=_keys()).valid


def test_a_key_set_from_elsewhere_is_refused_when_the_ca_is_pinned(issued, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    # A self-signed key that calls itself by our name, added to a saved key set.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Prescriber training (tests)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    document = selectors.published_key_set()
    document["keys"].append(
        signing.jwk(cert.public_bytes(serialization.Encoding.PEM).decode(), status="current")
    )
    saved = tmp_path / "keys.json"
    saved.write_text(json.dumps(document))
    material = signing.SigningMaterial(key, cert, (cert,))
    forged = _sealed(lambda c: c.update(n="Mallory", u="2099-01-01"), material=material)

    out = io.StringIO()
    call_command("verify_attestation", forged, "--keys", str(saved), stdout=out)
    assert "VALID" in out.getvalue() and "CA SHA-256:" in out.getvalue()  # the fingerprint tells it apart
    ca = Path(settings.ATTESTATION_SIGNING_DIR) / "ca.cert.pem"
    with pytest.raises(SystemExit):
        call_command(
            "verify_attestation", forged, "--keys", str(saved), "--ca", str(ca), stdout=io.StringIO()
        )
    out = io.StringIO()
    call_command(
        "verify_attestation", issued.document.seal, "--keys", str(saved), "--ca", str(ca), stdout=out
    )
    assert "VALID" in out.getvalue()


def test_a_key_whose_chain_does_not_hold_is_not_taken(issued):
    document = selectors.published_key_set()
    entry = document["keys"][0]
    entry["x5c"] = [entry["x5c"][0], entry["x5c"][0]]  # "signed by itself": it is not
    assert signing.keys_from_jwks(document) == {}


# -- the dashboard says when the signing key will not do ------------------------------------------


@pytest.fixture
def key_ending_in(settings, tmp_path):
    """Install a development key whose certificate ends ``days`` from now (None: none readable)."""

    def install(days):
        settings.ATTESTATION_SIGNING_DIR = tmp_path / f"signing-{days}"
        if days is not None:
            made = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=365 * 12 - days)
            signing.create_development_key(settings.ATTESTATION_SIGNING_DIR, organisation="Short", now=made)
        signing.forget_material()

    settings.ATTESTATION_SIGNING_DEV_KEY = False
    yield install
    signing.forget_material()


def _signing_panel(client, user) -> str:
    client.force_login(user)
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    marker = 'id="signing-key-section"'
    return body.split(marker, 1)[1] if marker in body else ""


@pytest.mark.usefixtures("programme_nb")
def test_a_certificate_ending_before_todays_attestations_is_flagged_to_compliance(
    client, key_ending_in, settings
):
    key_ending_in(100)  # programme_nb's attestations are valid 12 months
    concern = selectors.signing_key_concern()
    assert concern.code == "outlived"
    assert concern.expires_on == timezone.localdate() + datetime.timedelta(days=100)
    assert concern.needed_until == selectors.valid_until_for(issued_on=timezone.localdate(), months=12)
    officer = factories.ComplianceFactory()
    panel = _signing_panel(client, officer)
    assert "cannot be checked after" in panel and "ATTESTATION_TSA_URL" in panel
    # Medical affairs do not look after the key.
    assert _signing_panel(client, factories.MedicalAffairsFactory()) == ""
    # With a timestamp service, the signature outlives the certificate.
    settings.ATTESTATION_TSA_URL = "http://127.0.0.1:9/tsa"
    assert _signing_panel(client, officer) == ""


@pytest.mark.usefixtures("programme_nb")
def test_a_certificate_outliving_every_attestation_raises_nothing(client, key_ending_in):
    key_ending_in(400)
    assert selectors.signing_key_concern() is None
    assert _signing_panel(client, factories.ComplianceFactory()) == ""


@pytest.mark.usefixtures("programme_nb")
def test_an_expired_or_missing_key_is_flagged(client, key_ending_in):
    officer = factories.ComplianceFactory()
    key_ending_in(-1)
    assert selectors.signing_key_concern().code == "expired"
    assert "expired on" in _signing_panel(client, officer)
    key_ending_in(None)
    assert selectors.signing_key_concern().code == "missing"
    assert "No signing key can be read" in _signing_panel(client, officer)


@pytest.mark.usefixtures("programme_nb")
def test_a_damaged_key_folder_is_flagged_not_a_broken_dashboard(client, key_ending_in, settings):
    key_ending_in(400)
    (settings.ATTESTATION_SIGNING_DIR / "current.json").write_text("{not json")
    signing.forget_material()
    assert selectors.signing_key_concern().code == "missing"
    assert "No signing key can be read" in _signing_panel(client, factories.ComplianceFactory())
