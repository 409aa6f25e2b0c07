"""The QR code's signature, checked in the browser with the network cut: read from the PNG of the
rendered PDF, opened on the verify page, verified by WebCrypto against the keys in the page."""

import re
from urllib.parse import unquote

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect

from certificates import seal, services
from certificates.models import Attestation
from tests import factories
from tests.test_attestations import _pass
from tests.test_signed_attestations import _resealed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _forged(url: str) -> str:
    """The same QR text with the valid-until date moved, the signature kept."""
    text = unquote(url.split("#", 1)[1])
    return "#" + seal.url_fragment(_resealed(text, lambda claims: claims.update(u="2099-12-31")))


def test_the_qr_code_from_the_pdf_verifies_offline_and_a_forged_one_does_not(
    in_browser, live_server, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = live_server.url
    programme = factories.programme(questions_per_topic=2)
    factories.question_bank(programme, topics=3, per_topic=2)
    prescriber = factories.PrescriberFactory()
    officer = factories.ComplianceFactory()
    with django_capture_on_commit_callbacks(execute=True):
        attestation = Attestation.objects.get(attempt=_pass(prescriber, programme))
    # Another prescriber with the very same name, whose genuine payload is grafted onto this address.
    namesake = factories.PrescriberFactory(full_name=prescriber.full_name)
    with django_capture_on_commit_callbacks(execute=True):
        other = Attestation.objects.get(attempt=_pass(namesake, programme))
    grafted = "#" + seal.url_fragment(other.document.seal)
    document = pypdfium2.PdfDocument(bytes(attestation.document.content))
    codes = zxingcpp.read_barcodes(document[0].render(scale=3).to_pil())
    assert len(codes) == 1
    url = codes[0].text
    path, fragment = url.removeprefix(live_server.url).split("#", 1)

    def journey(page):
        page.goto(path)  # the page, with the published keys, while the network is there
        expect(page.locator(".verify-result .status-pill.status-valid")).to_be_visible()
        page.context.set_offline(True)
        page.evaluate("fragment => { window.location.hash = fragment; }", fragment)
        result = page.locator(".seal-result")
        expect(result).to_have_attribute("data-state", "valid")
        expect(result).to_contain_text("Prescriber training (tests)")
        expect(page.locator("[data-claim=holder]")).to_have_text(attestation.holder_name)
        # Offline it says plainly that the status now is unknown.
        expect(page.locator("[data-live-checked]")).to_have_attribute("data-state", "offline")
        page.screenshot(path="test-artifacts/verify-signed-offline-nb.png", full_page=True)

        page.evaluate("fragment => { window.location.hash = fragment; }", _forged(url))
        expect(result).to_have_attribute("data-state", "invalid")
        expect(page.locator("[data-seal-facts]")).to_be_hidden()

        # Revoked while the page was open: the server's answer replaces every part of the status.
        services.attestation_revoke(attestation=attestation, by=officer, reason="Issued in error.")
        page.context.set_offline(False)
        page.evaluate("fragment => { window.location.hash = fragment; }", fragment)
        expect(result).to_have_attribute("data-state", "valid")  # the signature is still genuine
        expect(page.locator("[data-live-checked]")).to_have_attribute("data-state", "online")
        status = page.locator(".verify-result")
        expect(status.locator(".status-pill")).to_have_class("status-pill status-revoked")
        expect(status).to_have_class(re.compile(r"status-box-revoked"))
        expect(status.locator("[data-live-may] strong")).to_be_visible()
        expect(status).not_to_contain_text("kan starte behandling innenfor")
        # Same holder name, so only the server can tell: it says the serial is not this address's.
        page.evaluate("fragment => { window.location.hash = fragment; }", grafted)
        expect(result).to_have_attribute("data-state", "invalid")
        expect(result).to_contain_text("en annen attestasjon")
        page.evaluate("fragment => { window.location.hash = fragment; }", fragment)
        expect(result).to_have_attribute("data-state", "valid")
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path="test-artifacts/verify-signed-online-nb-phone.png", full_page=True)

    in_browser(journey)
