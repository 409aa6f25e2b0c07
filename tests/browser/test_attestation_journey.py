"""Pass the quiz, download the attestation, verify it from its QR code, record a treatment
initiation: in headless chromium, with axe-core on every page the attestation added."""

import hashlib
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.utils import formats, translation
from playwright.sync_api import expect

from certificates import pdf, services
from certificates.forms import CONFIRMATION_LABELS, INDICATION_CHOICES
from certificates.models import Attestation, TreatmentInitiation
from courses.models import LessonPage
from quizzes.models import Attempt
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PATIENT_REFERENCE = "MS-OSL-0042"


@pytest.fixture
def programme():
    """A Norwegian programme with its question bank, and its English translation (served at /en/)."""
    page = factories.programme(attestation_prefix="LEM", questions_per_topic=2)
    questions = factories.question_bank(page, topics=3, per_topic=2)
    english = factories.programme(
        code="en",
        source=page,
        title="Test medicine (en)",
        product="Test medicine",
        summary="A test programme.",
        attestation_prefix="LEM",
        questions_per_topic=2,
    )
    factories.translate_bank(questions, english)
    return page


def english(value, format_name="DATE_FORMAT"):
    with translation.override("en"):
        return formats.date_format(value, format_name)


def test_pass_download_verify_by_qr_and_record_a_treatment_initiation(
    in_browser, live_server, settings, programme, axe_check
):
    # The QR code must lead to this live server, so the PDF has to be rendered with its address.
    settings.PUBLIC_BASE_URL = live_server.url
    prescriber = factories.PrescriberFactory()

    seen = in_browser(lambda page: _journey(page, prescriber, programme, axe_check))

    attestation = Attestation.objects.get(user=prescriber)
    assert attestation.serial.startswith("LEM-")
    assert seen["qr"] == pdf.qr_url(attestation, attestation.document.seal)
    assert seen["qr"].startswith(f"{live_server.url}/verify/{attestation.verification_code}/#AT1:")
    assert seen["pdf_sha256"] == attestation.document.sha256
    initiation = TreatmentInitiation.objects.get(user=prescriber)
    assert initiation.outcome == TreatmentInitiation.Outcome.RECORDED
    assert initiation.patient_reference == PATIENT_REFERENCE
    assert initiation.attestation == attestation


def _journey(page, prescriber, programme, axe_check):
    seen = {}
    programme_url = f"/en/{programme.slug}/"
    _log_in(page, prescriber)
    _read_every_lesson(page, programme, programme_url)
    _pass_the_quiz(page, prescriber)

    # The result page: the attestation is there, its PDF already rendered (tasks run at once).
    attestation = Attestation.objects.get(user=prescriber)
    assert attestation.pdf_status == Attestation.PdfStatus.READY
    panel = page.locator(".attestation-panel")
    assert page.get_by_role("heading", name="Passed").is_visible()
    assert panel.locator(".status-pill.status-valid").inner_text() == "Valid"
    assert panel.get_by_text(attestation.serial, exact=True).is_visible()
    assert panel.get_by_text(english(attestation.valid_until), exact=True).is_visible()
    download_link = panel.get_by_role("link", name="Download attestation (PDF)")
    assert download_link.is_visible()
    axe_check(page, "attestation-result-en")

    # The PDF, downloaded through the link; its QR code read from the rendered first page.
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename == f"{attestation.serial}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    seen["pdf_sha256"] = hashlib.sha256(content).hexdigest()
    image = pypdfium2.PdfDocument(content)[0].render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    seen["qr"] = codes[0].text

    # My attestations.
    panel.get_by_role("link", name="My attestations").click()
    page.wait_for_url("**/en/attestations/")
    mine = page.locator(".attestation").filter(has_text=attestation.serial)
    assert mine.locator(".status-pill.status-valid").is_visible()
    assert mine.get_by_role("link", name="Download attestation (PDF)").is_visible()
    axe_check(page, "attestations-mine-en")

    # Someone else (a pharmacist, not signed in, browser in English) scans the QR code.
    verifier = page.context.browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        _verify(verifier.new_page(), seen["qr"], prescriber, attestation, axe_check)
    finally:
        verifier.close()

    # Back on the programme page: record a treatment initiation through the gate.
    page.goto(programme_url)
    assert page.get_by_role("link", name="Go to the quiz").count() == 0
    page.get_by_role("link", name="Record treatment initiation").click()
    page.wait_for_url(f"**/en/treatment/{programme.slug}/")
    assert page.get_by_role("heading", name="Record treatment initiation", level=1).is_visible()
    axe_check(page, "treatment-form-en")
    _fill_the_gate_form(page)
    page.get_by_role("button", name="Record treatment initiation").click()
    page.wait_for_url(re.compile(r"/en/treatment/[^/]+/\?recorded=\d+$"))
    recorded = page.locator(".treatment-recorded")
    assert recorded.get_by_role("heading", name="Treatment initiation recorded").is_visible()
    assert recorded.get_by_text(PATIENT_REFERENCE, exact=True).is_visible()
    assert recorded.get_by_text(attestation.serial, exact=True).is_visible()
    axe_check(page, "treatment-recorded-en")

    # The programme page on a phone, in both languages.
    page.set_viewport_size({"width": 390, "height": 844})
    for code in ("en", "nb"):
        page.goto(f"/{code}/{programme.slug}/")
        assert page.locator(".attestation-panel .status-pill.status-valid").is_visible()
        assert _fits_the_width(page), f"the {code} programme page scrolls sideways on a phone"
        axe_check(page, f"programme-attested-{code}-phone")
    return seen


def _verify(page, url, prescriber, attestation, axe_check):
    page.goto(url)  # no language prefix: the language comes from the browser
    assert page.locator("html").get_attribute("lang") == "en"
    result = page.locator(".verify-result")
    assert result.locator(".status-pill.status-valid").inner_text() == "Valid"
    assert result.get_by_text(prescriber.full_name, exact=True).is_visible()
    assert result.get_by_text(english(attestation.valid_until), exact=True).is_visible()
    body = page.content()
    assert prescriber.hpr_number not in body
    assert prescriber.email not in body
    # The QR code's signed payload is checked in the browser, then the server is asked.
    expect(page.locator(".seal-result[data-state=valid]")).to_contain_text("Signature valid")
    expect(page.locator("[data-seal-facts] [data-claim=holder]")).to_have_text(prescriber.full_name)
    expect(page.locator("[data-live-checked][data-state=online]")).to_be_visible()
    axe_check(page, "verify-en")

    # The verify form, in Norwegian: the serial and code typed by hand give the same answer.
    page.goto(f"{url.split('/verify/')[0]}/nb/verify/")
    assert page.locator("html").get_attribute("lang") == "nb"
    axe_check(page, "verify-form-nb")
    page.locator("#id_serial").fill(attestation.serial)
    page.locator("#id_code").fill(attestation.verification_code)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".verify-result .status-pill.status-valid")).to_be_visible()
    expect(page.locator(".verify-result").get_by_text(prescriber.full_name, exact=True)).to_be_visible()


def _log_in(page, user):
    page.goto("/en/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _read_every_lesson(page, programme, programme_url):
    page.goto(programme_url)
    page.get_by_role("link", name="Start the first lesson").click()
    for _ in range(LessonPage.objects.child_of(programme).live().count()):
        lesson_url = page.url
        page.locator("form[action*='/read/'] button[type=submit]").click()
        page.wait_for_url(lambda url, left=lesson_url: url != left)
    assert page.url.endswith(f"{programme_url}#progress")


def _pass_the_quiz(page, prescriber):
    page.get_by_role("link", name="Go to the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/quiz/attempt/*/")
    attempt = Attempt.objects.get(user=prescriber, status="in_progress")
    for item_id, tokens in factories.correct_answers(attempt).items():
        for token in tokens:
            page.locator(f"input[name='q{item_id}'][value='{token}']").check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url("**/result/")


def _fill_the_gate_form(page):
    page.get_by_label("Patient reference").fill(PATIENT_REFERENCE)
    with translation.override("en"):
        page.get_by_label(str(dict(INDICATION_CHOICES)["inadequate_response"])).check()
        for key in services.TREATMENT_CONFIRMATIONS:
            page.get_by_label(str(CONFIRMATION_LABELS[key]), exact=True).check()


def _fits_the_width(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
