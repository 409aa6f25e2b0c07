"""Issuing an attestation on a pass, rendering its PDF after commit, and who may download it."""

import base64
import datetime
import hashlib
import io
import re
import socket
from urllib.parse import unquote

import pypdf
import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.utils import formats, timezone, translation
from fontTools.ttLib import TTFont
from wagtail.models import Revision

from certificates import pdf, selectors, services, signing, tasks
from certificates.models import Attestation, AttestationDocument
from courses.models import ContentChange, LessonPage, ProgrammePage
from quizzes import services as quiz_services
from quizzes.models import Attempt, Question
from tests import factories

pytestmark = pytest.mark.django_db

FONT_DIR = pdf.STATIC_DIR / "certificates" / "fonts"


def _programme(code="nb", source=None, **fields):
    """A programme with a published revision and a key message in each lesson."""
    fields.setdefault("attestation_prefix", "LEM")
    page = factories.programme(code=code, source=source, **fields)
    for n, lesson in enumerate(LessonPage.objects.child_of(page).order_by("path"), start=1):
        lesson.body = [
            {"type": "key_message", "value": {"heading": f"Key message {n} ({code})", "text": "<p>Do.</p>"}}
        ]
        lesson.save_revision().publish()
    page.save_revision().publish()
    return ProgrammePage.objects.get(pk=page.pk)


def _pass(user, page):
    """Read everything, start the quiz on ``page`` and answer every question correctly."""
    factories.read_all(user, page)
    attempt = quiz_services.attempt_start(user=user, programme=page)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attempt.objects.get(pk=attempt.pk)


@pytest.fixture
def programme_nb(db):
    page = _programme()
    factories.question_bank(page, topics=2, per_topic=2)
    return page


@pytest.fixture
def programme_en(programme_nb):
    page = _programme(code="en", source=programme_nb, title="Testmedicine (en)", source_title="Test letter")
    factories.translate_bank(Question.objects.filter(topic__programme=programme_nb).order_by("pk"), page)
    return page


@pytest.fixture
def issued(prescriber, programme_nb, django_capture_on_commit_callbacks):
    """A prescriber who passed in Norwegian, with the PDF rendered and the e-mail sent."""
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(prescriber, programme_nb)
    return Attestation.objects.get(attempt=attempt)


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _long_date(value, language):
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


# Issuing on a pass ------------------------------------------------------------------------


def test_a_pass_issues_a_pending_attestation_and_the_pdf_is_rendered_only_after_commit(
    prescriber, programme_nb, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attempt = _pass(prescriber, programme_nb)
    attestation = Attestation.objects.get(attempt=attempt)
    assert attempt.passed is True
    assert attestation.state == Attestation.State.ACTIVE
    assert attestation.pdf_status == Attestation.PdfStatus.PENDING
    assert not AttestationDocument.objects.exists()

    for callback in callbacks:
        callback()
    attestation.refresh_from_db()
    assert attestation.pdf_status == Attestation.PdfStatus.READY
    assert AttestationDocument.objects.filter(attestation=attestation).exists()


def test_when_issuing_fails_the_pass_is_not_recorded_either(prescriber, programme_nb, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("no serial")

    monkeypatch.setattr(services, "_next_serial", broken)
    factories.read_all(prescriber, programme_nb)
    attempt = quiz_services.attempt_start(user=prescriber, programme=programme_nb)
    with pytest.raises(RuntimeError):
        quiz_services.attempt_submit(
            attempt_id=attempt.pk, user=prescriber, answers=factories.correct_answers(attempt)
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.passed is None
    assert not Attestation.objects.exists()


def test_the_serial_is_the_programme_prefix_the_year_and_a_running_number(programme_nb):
    first = Attestation.objects.get(attempt=_pass(factories.PrescriberFactory(), programme_nb))
    second = Attestation.objects.get(attempt=_pass(factories.PrescriberFactory(), programme_nb))
    year = timezone.localtime(first.issued_at).year
    assert re.fullmatch(rf"LEM-{year}-\d{{6}}", first.serial)
    assert int(second.serial[-6:]) == int(first.serial[-6:]) + 1


def test_a_programme_without_its_own_prefix_uses_att(prescriber):
    page = factories.programme()
    factories.question_bank(page, topics=1, per_topic=2)
    attestation = Attestation.objects.get(attempt=_pass(prescriber, page))
    assert attestation.serial.startswith("ATT-")


def test_the_verification_code_is_random_url_safe_at_least_128_bits_and_not_the_id(programme_nb):
    codes = set()
    for _ in range(2):
        attestation = Attestation.objects.get(attempt=_pass(factories.PrescriberFactory(), programme_nb))
        code = attestation.verification_code
        assert re.fullmatch(r"[A-Za-z0-9_-]+", code)
        assert len(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))) * 8 >= 128
        assert code != str(attestation.pk) and code != attestation.serial
        codes.add(code)
    assert len(codes) == 2


def test_valid_until_is_the_programme_validity_in_months_through_the_day_before(prescriber, programme_nb):
    attestation = Attestation.objects.get(attempt=_pass(prescriber, programme_nb))
    issued_on = timezone.localtime(attestation.issued_at).date()
    if (issued_on.month, issued_on.day) != (2, 29):
        assert attestation.valid_until == issued_on.replace(year=issued_on.year + 1) - datetime.timedelta(1)
    assert programme_nb.attestation_validity_months == 12


def test_valid_until_follows_the_programme_setting(prescriber):
    page = _programme(attestation_validity_months=6)
    factories.question_bank(page, topics=1, per_topic=2)
    attestation = Attestation.objects.get(attempt=_pass(prescriber, page))
    issued_on = timezone.localtime(attestation.issued_at).date()
    assert selectors.add_months(issued_on, 6) - datetime.timedelta(days=1) == attestation.valid_until


@pytest.mark.parametrize(
    ("issued", "months", "until"),
    [
        (datetime.date(2026, 3, 15), 12, datetime.date(2027, 3, 14)),
        (datetime.date(2026, 1, 1), 12, datetime.date(2026, 12, 31)),
        (datetime.date(2026, 8, 31), 6, datetime.date(2027, 2, 27)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 27)),
    ],
)
def test_valid_until_dates(issued, months, until):
    assert selectors.valid_until_for(issued_on=issued, months=months) == until


def test_the_record_keeps_a_snapshot_of_holder_and_programme(prescriber, programme_nb):
    attestation = Attestation.objects.get(attempt=_pass(prescriber, programme_nb))
    name, hpr, title = prescriber.get_full_name(), prescriber.hpr_number, programme_nb.title
    prescriber.full_name = "Someone Else"
    prescriber.hpr_number = "99999999"
    prescriber.save()
    programme_nb.title = "Renamed"
    programme_nb.product = "Other medicine"
    programme_nb.save_revision().publish()

    attestation = Attestation.objects.get(pk=attestation.pk)
    assert (attestation.holder_name, attestation.hpr_number) == (name, hpr)
    assert (attestation.programme_title, attestation.product) == (title, "Testmedisin")
    assert attestation.key_messages == [f"Key message {n} (nb)" for n in (1, 2, 3)]


def test_the_record_names_the_content_version_and_the_programme_revision(prescriber, programme_nb):
    revision = programme_nb.live_revision
    ContentChange.objects.create(
        programme_key=programme_nb.translation_key,
        revision=revision,
        object_title=programme_nb.title,
        material=True,
        summary="New monitoring advice.",
        published_at=timezone.now(),
        content_version=2,
    )
    attestation = Attestation.objects.get(attempt=_pass(prescriber, programme_nb))
    assert attestation.content_version == 2
    assert attestation.programme_revision_id == revision.pk


def test_every_attempt_item_records_the_question_revision_it_showed(prescriber, programme_nb):
    attempt = _pass(prescriber, programme_nb)
    items = list(attempt.items.select_related("question"))
    assert items
    for item in items:
        assert item.question_revision_id is not None
        assert item.question_revision_id == item.question.live_revision_id


def test_a_question_revision_an_attempt_recorded_cannot_be_deleted(prescriber, programme_nb):
    item = _pass(prescriber, programme_nb).items.first()
    with pytest.raises(ProtectedError):
        Revision.objects.filter(pk=item.question_revision_id).delete()
    assert Revision.objects.filter(pk=item.question_revision_id).exists()


def test_the_database_refuses_a_second_active_attestation_for_the_same_programme(prescriber, programme_nb):
    first = Attestation.objects.get(attempt=_pass(prescriber, programme_nb))
    other_attempt = Attempt.objects.create(
        user=prescriber,
        programme=programme_nb,
        programme_key=programme_nb.translation_key,
        language="nb",
        status=Attempt.Status.SUBMITTED,
        started_at=timezone.now(),
        expires_at=timezone.now(),
        pass_mark=80,
        passed=True,
    )
    second = {
        field.name: getattr(first, field.name)
        for field in Attestation._meta.concrete_fields
        if field.name not in ("id", "serial", "verification_code", "attempt")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Attestation.objects.create(**second, serial="LEM-2026-999999", attempt=other_attempt)
    # Only *active* ones collide: once the first is superseded, a new active one is accepted.
    Attestation.objects.filter(pk=first.pk).update(state=Attestation.State.SUPERSEDED)
    Attestation.objects.create(**second, serial="LEM-2026-999999", attempt=other_attempt)
    assert Attestation.objects.filter(user=prescriber, state=Attestation.State.ACTIVE).count() == 1


# Render failures ---------------------------------------------------------------------------


def _failing_render(attestation, material):
    raise RuntimeError("the renderer is down")


def test_a_render_failure_keeps_the_pass_records_the_error_and_a_later_retry_renders_it(
    prescriber, programme_nb, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(pdf, "render_attestation_pdf", _failing_render)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(prescriber, programme_nb)
    attempt.refresh_from_db()
    attestation = Attestation.objects.get(attempt=attempt)
    assert attempt.passed is True and attempt.status == Attempt.Status.SUBMITTED
    assert attestation.pdf_status == Attestation.PdfStatus.PENDING
    assert attestation.pdf_attempts == 1
    assert attestation.pdf_error == "RuntimeError: the renderer is down"
    assert not AttestationDocument.objects.exists()
    assert mail.outbox == []

    monkeypatch.undo()
    later = timezone.now() + datetime.timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.queue_unrendered(now=later) == 1
    attestation.refresh_from_db()
    assert attestation.pdf_status == Attestation.PdfStatus.READY
    assert attestation.pdf_error == ""
    assert AttestationDocument.objects.filter(attestation=attestation).count() == 1
    assert len(mail.outbox) == 1


def test_a_retry_leaves_recent_attestations_to_the_running_task(prescriber, programme_nb, monkeypatch):
    monkeypatch.setattr(pdf, "render_attestation_pdf", _failing_render)
    _pass(prescriber, programme_nb)
    assert tasks.queue_unrendered() == 0


def test_after_the_last_allowed_failure_the_pdf_is_marked_failed(
    prescriber, programme_nb, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(pdf, "render_attestation_pdf", _failing_render)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(prescriber, programme_nb)
    attestation = Attestation.objects.get(attempt=attempt)
    later = timezone.now() + datetime.timedelta(minutes=11)
    for expected in range(2, services.MAX_RENDER_ATTEMPTS):
        tasks.queue_unrendered(now=later)
        attestation.refresh_from_db()
        assert (attestation.pdf_attempts, attestation.pdf_status) == (expected, "pending")
    tasks.queue_unrendered(now=later)
    attestation.refresh_from_db()
    assert attestation.pdf_attempts == services.MAX_RENDER_ATTEMPTS
    assert attestation.pdf_status == Attestation.PdfStatus.FAILED
    assert "the renderer is down" in attestation.pdf_error


# The document ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_pdf_names_holder_hpr_serial_dates_and_source_in_the_attempts_language(
    language, prescriber, programme_en, django_capture_on_commit_callbacks
):
    page = ProgrammePage.objects.get(
        translation_key=programme_en.translation_key, locale__language_code=language
    )
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(prescriber, page)
    attestation = Attestation.objects.get(attempt=attempt)
    assert attestation.language == language
    text = _pdf_text(bytes(attestation.document.content))

    issued_on = timezone.localtime(attestation.issued_at).date()
    assert prescriber.get_full_name() in text
    assert prescriber.hpr_number in text
    assert attestation.serial in text
    assert _long_date(issued_on, language) in text
    assert _long_date(attestation.valid_until, language) in text
    assert page.title in text
    assert "Testmedisin" in text
    assert f"Key message 1 ({language})" in text and f"Key message 3 ({language})" in text
    assert page.source_title in text
    assert _long_date(page.source_date, language) in text
    assert pdf.verification_url(attestation) in text
    if language == "en":
        assert "Training attestation" in text and "VALID UNTIL (INCLUSIVE)" in text


def test_the_pdf_is_pdf_a_3u_on_one_page(issued):
    reader = pypdf.PdfReader(io.BytesIO(bytes(issued.document.content)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert len(reader.pages) == 1


def test_the_pdf_embeds_only_the_dejavu_fonts_shipped_with_the_project(issued, monkeypatch):
    fetched = []
    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    content, _seal = pdf.render_attestation_pdf(issued, signing.configured_material())
    assert {url.rsplit("/", 1)[-1] for url in fetched} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    assert all(url.startswith(FONT_DIR.as_uri()) for url in fetched)

    reader = pypdf.PdfReader(io.BytesIO(content))
    families = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            # Fonts from @font-face carry our family name; a system fallback would not.
            assert re.fullmatch(r"[A-Z]{6}\+Attest-Sans(-Bold)?", str(font["/BaseFont"]).lstrip("/"))
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            families.add(program["name"].getDebugName(1))
    assert families == {"DejaVu Sans"}


def test_the_qr_code_on_the_page_is_the_verification_url_carrying_the_signed_payload(issued, client):
    document = pypdfium2.PdfDocument(bytes(issued.document.content))
    image = document[0].render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [pdf.qr_url(issued, issued.document.seal)]
    url, fragment = codes[0].text.split("#", 1)
    assert url == f"{settings.PUBLIC_BASE_URL}/verify/{issued.verification_code}/"
    assert unquote(fragment) == issued.document.seal and fragment.startswith("AT1:")
    response = client.get(url.removeprefix(settings.PUBLIC_BASE_URL), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert issued.holder_name in response.content.decode()


def test_the_signed_file_is_the_same_render_of_the_record_with_a_signature_appended(issued):
    """Rendering is deterministic (the QR code's signature too, RFC 6979); signing appends an
    incremental update, so the stored file starts with exactly the document rendered again."""
    issued = Attestation.objects.get(pk=issued.pk)
    material = signing.configured_material()
    seal_text = pdf.attestation_seal(issued, material)
    assert seal_text == issued.document.seal
    unsigned = pdf.render_html_to_pdf(
        pdf.attestation_html(issued, seal_text=seal_text, material=material),
        identifier=issued.serial.encode(),
    )
    stored = bytes(issued.document.content)
    assert stored.startswith(unsigned) and len(stored) > len(unsigned)


# Download ----------------------------------------------------------------------------------


def _download(user, attestation_id):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/en/attestations/{attestation_id}/pdf/")


def test_the_holder_downloads_identical_bytes_whose_sha256_is_stored(issued):
    first, second = _download(issued.user, issued.pk), _download(issued.user, issued.pk)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content == second.content
    assert first.content.startswith(b"%PDF-")
    stored = AttestationDocument.objects.get(attestation=issued)
    assert hashlib.sha256(first.content).hexdigest() == stored.sha256
    assert len(first.content) == stored.size


def test_a_compliance_officer_may_download_any_attestation(issued):
    assert _download(factories.ComplianceFactory(), issued.pk).status_code == 200


def test_a_compliance_officer_without_two_factor_authentication_is_sent_to_set_it_up_first(issued):
    """A stolen password of a new officer must not open every holder's attestation: the role's
    reach outside the admin is guarded like the admin."""
    officer = factories.ComplianceFactory(mfa=False)
    response = _download(officer, issued.pk)
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/2fa/totp/activate/"
    factories.enrol_totp(officer)
    assert _download(officer, issued.pk).status_code == 200


def test_the_way_back_after_set_up_is_a_page_on_this_site_not_a_favicon_or_another_site(issued):
    officer = factories.ComplianceFactory(mfa=False)
    client = Client()
    client.force_login(officer)
    asked = f"/en/attestations/{issued.pk}/pdf/"
    client.get(asked)
    client.get("/favicon.ico")  # every browser asks, right after the set-up page
    client.get(f"/en/attestations/{issued.pk}/", HTTP_SEC_FETCH_MODE="cors")  # a script's fetch
    client.get("/", PATH_INFO="//evil.example/")  # a path that reads as another host
    factories.enrol_totp(officer)
    page = client.get("/en/accounts/2fa/").content.decode()
    assert f'<a class="button" href="{asked}">' in page
    assert "evil.example" not in page


def test_after_setting_up_two_factor_authentication_staff_continue_to_the_page_they_asked_for(issued):
    officer = factories.ComplianceFactory(mfa=False)
    client = Client()
    client.force_login(officer)
    asked = f"/en/attestations/{issued.pk}/pdf/"
    assert client.get(asked)["Location"] == "/en/accounts/2fa/totp/activate/"
    factories.enrol_totp(officer)
    page = client.get("/en/accounts/2fa/").content.decode()
    assert f'<a class="button" href="{asked}">Continue to the page you asked for</a>' in page


@pytest.mark.parametrize(
    "who",
    [
        lambda: factories.PrescriberFactory(),
        lambda: factories.MedicalAffairsFactory(),
        lambda: None,
    ],
    ids=["another prescriber", "medical affairs", "anonymous"],
)
def test_anyone_else_gets_404(issued, who):
    assert _download(who(), issued.pk).status_code == 404


def test_guessed_and_unknown_ids_give_404(issued, programme_nb):
    other = factories.PrescriberFactory()
    others = Attestation.objects.get(attempt=_pass(other, programme_nb))
    assert _download(issued.user, others.pk).status_code == 404
    assert _download(issued.user, others.pk + 1000).status_code == 404
    assert _download(factories.ComplianceFactory(), others.pk + 1000).status_code == 404
    assert Client().get("/en/attestations/0/pdf/").status_code == 404


def test_a_pdf_still_being_rendered_is_not_found_yet(prescriber, programme_nb):
    attestation = Attestation.objects.get(attempt=_pass(prescriber, programme_nb))
    assert _download(prescriber, attestation.pk).status_code == 404


# E-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_holder_gets_one_email_with_the_link_in_their_language(
    language, prescriber, programme_en, django_capture_on_commit_callbacks
):
    page = ProgrammePage.objects.get(
        translation_key=programme_en.translation_key, locale__language_code=language
    )
    with django_capture_on_commit_callbacks(execute=True):
        attestation = Attestation.objects.get(attempt=_pass(prescriber, page))
    with django_capture_on_commit_callbacks(execute=True):
        services.attestation_render(attestation_id=attestation.pk)  # a second run sends nothing more

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [prescriber.email]
    assert attestation.serial in message.subject
    assert f"{settings.PUBLIC_BASE_URL}/{language}/attestations/{attestation.pk}/pdf/" in message.body
    assert _long_date(attestation.valid_until, language) in message.body
    if language == "en":
        assert message.subject == f"Your attestation {attestation.serial} is ready"


# The URL fetcher ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/style.css",
        "https://example.com/font.ttf",
        "ftp://example.com/font.ttf",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://example.com/etc/passwd",
        (pdf.STATIC_DIR / ".." / "pdf.py").as_uri(),
        pdf.STATIC_DIR.as_uri() + "/certificates/%2e%2e/%2e%2e/%2e%2e/models.py",
        pdf.STATIC_DIR.as_uri() + "/certificates/fonts/missing.ttf",
    ],
)
def test_the_fetcher_refuses_the_network_and_files_outside_static(url):
    with pytest.raises(ValueError, match="Refused"):
        pdf.StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_the_shipped_fonts():
    font = FONT_DIR / "DejaVuSans.ttf"
    response = pdf.StaticOnlyFetcher().fetch(font.as_uri())
    try:
        assert response.read() == font.read_bytes()
    finally:
        response.close()


def test_a_document_asking_for_the_network_fails_without_connecting(monkeypatch):
    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))
    html = '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body>x</body></html>'
    with pytest.raises(pdf.RenderError):
        pdf.render_html_to_pdf(html, identifier=b"test")
    assert connections == []


# The real programme ---------------------------------------------------------------------------


def test_the_lemtrada_attestation_with_its_nine_key_messages_fits_on_one_page_in_both_languages(
    programme_loaded_once, django_capture_on_commit_callbacks
):
    for language in ("nb", "en"):
        page = ProgrammePage.objects.get(slug="lemtrada", locale__language_code=language)
        with django_capture_on_commit_callbacks(execute=True):
            attestation = Attestation.objects.get(attempt=_pass(factories.PrescriberFactory(), page))
        assert attestation.serial.startswith("LEM-")
        assert len(attestation.key_messages) == 9
        content = bytes(attestation.document.content)
        assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 1
        text = _pdf_text(content)
        assert all(" ".join(message.split()) in text for message in attestation.key_messages)
