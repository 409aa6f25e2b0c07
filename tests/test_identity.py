"""Who a prescriber is: one canonical HPR number, the ``identity_unverified`` status until the
number is confirmed, the Compliance officers' verification queue, and the development banner."""

import io

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from certificates import selectors, services, tasks
from certificates.models import Attestation, TreatmentInitiation
from lms.identity import hpr_canonical, hpr_verify
from lms.models import User
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = "/admin/hpr-verification/"
NOT_CONFIRMED = "Not valid yet: the holder&#x27;s HPR number has not been confirmed."
PDF_WAITS = "The PDF will be ready when your HPR number has been confirmed."
BANNER = "Development mode: HPR numbers are not checked; typed numbers count as verified."


def _pass_quiz(user, programme):
    """A real pass through the quiz services: the receiver issues the attestation."""
    factories.read_all(user, programme)
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def unverified():
    return factories.PrescriberFactory(hpr_verified_at=None, hpr_number="7654321")


@pytest.fixture
def officer():
    return factories.ComplianceFactory()


@pytest.fixture
def held_back(unverified, programme_with_bank, django_capture_on_commit_callbacks):
    """An unverified prescriber who passed; every after-commit callback ran (the immediate backend)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _pass_quiz(unverified, programme_with_bank)


def _confirm(client, user, note="Checked in the HPR register on 3 March 2026."):
    return client.post(f"{QUEUE}confirm/{user.pk}/", {"note": note})


# One canonical HPR number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["1234567", "01234567", "001234567", "0001234567", "123 45 67", " 0123 4567 "]
)
def test_every_way_of_writing_a_number_gives_the_same_canonical_number(typed):
    assert hpr_canonical(typed) == "1234567"


@pytest.mark.parametrize(
    "typed",
    [
        "0000000",
        "000000000",
        "0000001",
        "000123456",
        "12a4567",
        "１２３４５６７",
        "123456",
        "1234567890",
        "",
        None,
    ],
)
def test_zero_letters_full_width_digits_and_wrong_lengths_are_refused(typed):
    with pytest.raises(ValidationError):
        hpr_canonical(typed)


@pytest.mark.parametrize("stored", ["01234567", "0000000", "123 4567", "1", "123456"])
def test_the_database_refuses_a_non_canonical_number_written_past_the_model(stored):
    user = factories.PrescriberFactory(hpr_number="1234567")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(hpr_number=stored)
    assert _fresh(user).hpr_number == "1234567"


@pytest.fixture
def check_constraint_off():
    """Lets rows written before migration 0005 exist again, inside this test only (rolled back)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        yield
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # transactional DDL: undone with the test's transaction
            cursor.execute(f"ALTER TABLE {User._meta.db_table} DROP CONSTRAINT hpr_number_canonical")
        yield
    else:
        pytest.skip(f"no way to relax a check constraint on {connection.vendor}")


def test_the_migration_makes_every_number_canonical_and_the_earlier_account_keeps_a_duplicate(
    check_constraint_off,
):
    from importlib import import_module

    migration = import_module("lms.migrations.0004_hpr_canonical_and_verification")
    first = factories.PrescriberFactory(hpr_verified_at=None)
    later = factories.PrescriberFactory(hpr_verified_at=None)
    spaced = factories.PrescriberFactory(hpr_verified_at=None)
    zeros = factories.PrescriberFactory(hpr_verified_at=None)
    clean = factories.PrescriberFactory(hpr_verified_at=None, hpr_number="7777777")
    # Written as the old rules allowed: the same number twice, spaces, all zeros.
    User.objects.filter(pk=first.pk).update(hpr_number="1234567")
    User.objects.filter(pk=later.pk).update(hpr_number="01234567")
    User.objects.filter(pk=spaced.pk).update(hpr_number="2345 678")
    User.objects.filter(pk=zeros.pk).update(hpr_number="0000000")

    migration.canonicalise_hpr_numbers(apps, None)

    assert _fresh(first).hpr_number == "1234567"
    assert _fresh(later).hpr_number is None
    assert f"account {first.pk}" in _fresh(later).hpr_verification_note
    assert _fresh(spaced).hpr_number == "2345678"
    assert _fresh(zeros).hpr_number is None
    assert "not a valid HPR number" in _fresh(zeros).hpr_verification_note
    assert _fresh(clean).hpr_number == "7777777"
    assert _fresh(clean).hpr_verification_note == ""


SIGNUP = {
    "full_name": "Ola Nordmann",
    "profession": "physician",
    "profession_other": "",
    "workplace": "St. Olavs hospital",
    "password1": "Sikkert-passord-2026",
    "password2": "Sikkert-passord-2026",
}


def test_1234567_and_01234567_are_one_number_that_only_one_account_can_have_confirmed(client, officer):
    client.post("/en/accounts/signup/", {**SIGNUP, "email": "a@example.no", "hpr_number": "1234567"})
    client.logout()
    client.post("/en/accounts/signup/", {**SIGNUP, "email": "b@example.no", "hpr_number": "01234567"})
    first, second = User.objects.get(email="a@example.no"), User.objects.get(email="b@example.no")
    assert first.hpr_number == second.hpr_number == "1234567"
    hpr_verify(user=first, method="compliance", by=officer, note="Checked in HPR")
    with pytest.raises(ValidationError) as refused:
        hpr_verify(user=second, method="compliance", by=officer, note="Checked in HPR")
    assert refused.value.code == "hpr_confirmed_elsewhere"
    assert _fresh(second).hpr_verified_at is None


def test_the_database_refuses_a_second_confirmed_account_for_one_number():
    from django.db import IntegrityError, transaction

    factories.PrescriberFactory(hpr_number="2345678")
    other = factories.PrescriberFactory(hpr_number="2345678", hpr_verified_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(hpr_verified_at=timezone.now())


def test_signing_up_with_a_number_in_use_answers_exactly_as_with_a_free_one(client):
    """Nothing tells a stranger that a prescriber has an account: same status, same page, same
    e-mail, and the typed number reserves nothing."""
    factories.PrescriberFactory(hpr_number="1234567", email="kari@example.no")
    taken = client.post(
        "/en/accounts/signup/", {**SIGNUP, "email": "x@example.no", "hpr_number": "0123 4567"}
    )
    client.logout()
    free = client.post("/en/accounts/signup/", {**SIGNUP, "email": "y@example.no", "hpr_number": "7654321"})
    assert (
        (taken.status_code, taken["Location"])
        == (free.status_code, free["Location"])
        == (
            302,
            "/en/accounts/confirm-email/",
        )
    )
    assert [m.subject for m in mail.outbox[-2:]] == [mail.outbox[-1].subject] * 2
    assert "kari@example.no" not in mail.outbox[-2].body
    claim = User.objects.get(email="x@example.no")
    assert claim.hpr_number == "1234567"
    assert claim.hpr_verified_at is None


def test_the_confirm_page_names_other_accounts_that_typed_the_number(client, officer, unverified):
    factories.PrescriberFactory(
        hpr_number=unverified.hpr_number, hpr_verified_at=None, email="other@example.no"
    )
    client.force_login(officer)
    body = client.get(f"{QUEUE}confirm/{unverified.pk}/").content.decode()
    assert "other@example.no" in body


# The sixth status: identity_unverified ----------------------------------------------------------


def test_a_pass_without_a_confirmed_number_is_identity_unverified_with_the_attestation(
    held_back, unverified, programme_with_bank
):
    status = selectors.attestation_status(user=unverified, programme=programme_with_bank)
    assert status.code == selectors.IDENTITY_UNVERIFIED
    assert not status.ok
    assert status.attestation == held_back
    assert status.valid_through == held_back.valid_until
    with translation.override("en"):
        assert "Contact the programme owner" in status.reason


def test_no_pdf_is_made_while_the_number_is_unconfirmed_and_the_daily_job_leaves_it(held_back):
    attestation = _fresh(held_back)
    assert attestation.pdf_status == Attestation.PdfStatus.PENDING
    assert attestation.pdf_attempts == 0
    later = timezone.now() + timezone.timedelta(hours=1)
    assert tasks.queue_unrendered(now=later) == 0
    services.attestation_render(attestation_id=attestation.pk)  # a stray task renders nothing
    assert _fresh(attestation).pdf_status == Attestation.PdfStatus.PENDING
    assert _fresh(attestation).pdf_attempts == 0


def test_the_daily_job_does_not_count_a_held_back_pdf(held_back):
    out = io.StringIO()
    call_command("attestations_daily", stdout=out)
    assert "Queued 0 unrendered attestation PDF(s)" in out.getvalue()
    assert _fresh(held_back).pdf_status == Attestation.PdfStatus.PENDING


def test_the_quiz_offers_no_new_attempt_to_an_unverified_holder(held_back, unverified, programme_with_bank):
    eligibility = quiz_selectors.quiz_eligibility(user=unverified, programme=programme_with_bank)
    assert not eligibility.ok
    assert eligibility.code == "identity_unverified"


def test_the_gate_refuses_before_the_number_is_confirmed_and_records_after(
    client, held_back, unverified, officer, programme_with_bank, django_capture_on_commit_callbacks
):
    client.force_login(unverified)
    url = f"/en/treatment/{programme_with_bank.slug}/"
    page = client.get(url).content.decode()
    assert "There is no need to take the quiz again." in page
    assert 'href="/en/help/"' in page
    post = {"patient_reference": "PAS-1", "indication_basis": "inadequate_response"}
    post.update(dict.fromkeys(services.TREATMENT_CONFIRMATIONS, "on"))
    refused = client.post(url, post)
    assert refused.status_code == 403
    refusal = TreatmentInitiation.objects.get(user=unverified)
    assert (refusal.outcome, refusal.status) == ("refused", "identity_unverified")

    with django_capture_on_commit_callbacks(execute=True):
        hpr_verify(user=unverified, method=User.HprVerification.COMPLIANCE, by=officer, note="Checked.")

    recorded = client.post(url, post)
    assert recorded.status_code == 302
    assert (
        TreatmentInitiation.objects.filter(user=unverified, outcome="recorded", status="valid").count() == 1
    )


def test_the_pages_say_the_pdf_waits_for_the_number_and_link_the_help_page(
    client, held_back, unverified, programme_with_bank
):
    client.force_login(unverified)
    for path in (programme_with_bank.url.replace("/nb/", "/en/", 1), "/en/attestations/"):
        body = client.get(path).content.decode()
        assert PDF_WAITS in body, path
        assert 'href="/en/help/"' in body, path
        assert "Download attestation (PDF)" not in body, path
        assert "HPR number not yet confirmed" in body, path


@pytest.mark.parametrize("helseid_on", [True, False])
def test_the_panel_offers_to_connect_helseid_only_when_it_is_on(
    client, settings, held_back, unverified, programme_with_bank, helseid_on
):
    settings.HELSEID_ENABLED = helseid_on
    client.force_login(unverified)
    body = client.get(programme_with_bank.url.replace("/nb/", "/en/", 1)).content.decode()
    assert ('name="process" value="connect"' in body) is helseid_on
    assert ("Connect HelseID to your account" in body) is helseid_on


def test_the_programme_page_offers_no_quiz_to_an_unverified_holder(
    client, held_back, unverified, programme_with_bank
):
    client.force_login(unverified)
    body = client.get(programme_with_bank.url).content.decode()
    assert 'class="card quiz-card' not in body


def test_the_verify_page_says_not_valid_yet(client, held_back):
    response = client.get(f"/en/verify/{held_back.verification_code}/")
    body = response.content.decode()
    assert NOT_CONFIRMED in body
    assert "The holder may not initiate treatment under this programme" in body


def test_the_api_answers_identity_unverified_and_reads_the_number_in_any_form(client, held_back):
    _token, raw = services.api_token_create(name="Apotek")
    for typed in ("7654321", "07654321", "765 4321"):
        response = client.get(
            "/api/v1/attestations/status",
            {"hpr": typed, "programme": "testmed"},
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert response.status_code == 200, typed
        assert response.json()["status"] == "identity_unverified", typed
        assert response.json()["hpr"] == "7654321"
        assert response.json()["serial"] == held_back.serial


def test_selector_by_hpr_reads_the_canonical_number(held_back, programme_with_bank):
    assert selectors.attestation_status_for_hpr(
        hpr_number="007654321", programme_key=programme_with_bank.translation_key
    ).code == ("identity_unverified")
    assert (
        selectors.attestation_status_for_hpr(
            hpr_number="0000000", programme_key=programme_with_bank.translation_key
        ).code
        == "none"
    )


def test_a_revoked_attestation_stays_revoked_whoever_holds_it(
    held_back, unverified, officer, programme_with_bank
):
    services.attestation_revoke(attestation=held_back, by=officer, reason="Issued in error.")
    assert selectors.attestation_status(user=unverified, programme=programme_with_bank).code == "revoked"


# Development: typed numbers trusted, and a banner says so -------------------------------------


def test_a_typed_number_counts_only_when_the_setting_trusts_it(
    settings, held_back, unverified, programme_with_bank
):
    settings.LMS_TRUST_TYPED_HPR = False
    assert (
        selectors.attestation_status(user=unverified, programme=programme_with_bank).code
        == "identity_unverified"
    )
    settings.LMS_TRUST_TYPED_HPR = True
    assert selectors.attestation_status(user=unverified, programme=programme_with_bank).code == "valid"


def test_the_banner_shows_on_every_page_only_while_typed_numbers_are_trusted(settings, client):
    settings.LMS_TRUST_TYPED_HPR = True
    for path in ("/en/help/", "/en/accounts/login/", "/en/verify/"):
        assert BANNER in client.get(path).content.decode(), path
    settings.LMS_TRUST_TYPED_HPR = False
    for path in ("/en/help/", "/en/accounts/login/", "/en/verify/"):
        assert BANNER not in client.get(path).content.decode(), path


# The verification queue -------------------------------------------------------------------------


def test_the_queue_lists_only_prescribers_waiting_oldest_first(client, officer):
    newer = factories.PrescriberFactory(hpr_verified_at=None, full_name="Nyere Nordmann")
    older = factories.PrescriberFactory(hpr_verified_at=None, full_name="Eldre Nordmann")
    User.objects.filter(pk=older.pk).update(date_joined=timezone.now() - timezone.timedelta(days=3))
    factories.PrescriberFactory(full_name="Bekreftet Bekreftesen")
    factories.MedicalAffairsFactory(full_name="Redaktør Uten Nummer")
    client.force_login(officer)
    body = client.get(QUEUE).content.decode()
    assert "Bekreftet Bekreftesen" not in body
    assert "Redaktør Uten Nummer" not in body
    assert body.index("Eldre Nordmann") < body.index("Nyere Nordmann")
    assert newer.hpr_number in body and newer.email in body and newer.workplace in body


def test_the_queue_is_searchable_also_by_a_number_with_leading_zeros(client, officer):
    wanted = factories.PrescriberFactory(hpr_verified_at=None, hpr_number="4444444", full_name="Finn Meg")
    factories.PrescriberFactory(hpr_verified_at=None, hpr_number="5555555", full_name="Ikke Meg")
    client.force_login(officer)
    for query in ("Finn", "04444444"):
        body = client.get(f"{QUEUE}results/", {"q": query}).content.decode()
        assert wanted.full_name in body, query
        assert "Ikke Meg" not in body, query


def test_confirming_needs_a_note_and_keeps_what_was_typed(client, officer, unverified):
    client.force_login(officer)
    blank = _confirm(client, unverified, note="   ")
    assert blank.status_code == 200
    assert blank.context_data["form"].errors["note"]
    too_long = _confirm(client, unverified, note="Sjekket i HPR " + "x" * 2000)
    assert too_long.status_code == 200
    assert too_long.context_data["form"].errors["note"]
    assert "Sjekket i HPR xxx" in too_long.content.decode()
    assert _fresh(unverified).hpr_verified_at is None


def test_confirming_records_who_how_and_what_was_checked(client, officer, unverified):
    client.force_login(officer)
    response = _confirm(client, unverified, note="  Checked in the HPR register on 3 March 2026.  ")
    assert response.status_code == 302
    user = _fresh(unverified)
    assert user.hpr_verified_at is not None
    assert user.hpr_verified_by == officer
    assert user.hpr_verification_method == User.HprVerification.COMPLIANCE
    assert user.hpr_verification_note == "Checked in the HPR register on 3 March 2026."
    assert unverified.full_name not in client.get(f"{QUEUE}results/").content.decode()


def test_a_second_confirmation_changes_nothing(client, officer, unverified):
    client.force_login(officer)
    _confirm(client, unverified, note="First check.")
    first = _fresh(unverified)
    other = factories.ComplianceFactory()
    client.force_login(other)
    response = _confirm(client, unverified, note="Second check.")
    assert response.status_code == 302
    again = _fresh(unverified)
    assert (again.hpr_verified_at, again.hpr_verified_by, again.hpr_verification_note) == (
        first.hpr_verified_at,
        officer,
        "First check.",
    )


def test_confirmation_renders_the_held_back_pdf_and_the_status_becomes_valid(
    client, officer, held_back, unverified, programme_with_bank, django_capture_on_commit_callbacks
):
    assert (
        selectors.attestation_status(user=unverified, programme=programme_with_bank).code
        == "identity_unverified"
    )
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _confirm(client, unverified)
    assert response.status_code == 302
    assert _fresh(held_back).pdf_status == Attestation.PdfStatus.READY
    assert (
        selectors.attestation_status(user=_fresh(unverified), programme=programme_with_bank).code == "valid"
    )


@pytest.mark.parametrize("who", ["medical_affairs", "prescriber"])
def test_only_compliance_officers_can_open_the_queue_or_confirm(client, unverified, who):
    user = factories.MedicalAffairsFactory() if who == "medical_affairs" else factories.PrescriberFactory()
    client.force_login(user)
    listing = client.get(QUEUE)
    confirm = _confirm(client, unverified)
    # Wagtail answers a refused admin page by sending the user away (with "no permission"),
    # never with the page: Medical affairs to the dashboard, prescribers (no admin) further.
    assert listing.status_code == 302
    assert confirm.status_code == 302
    if who == "medical_affairs":
        assert listing["Location"] == confirm["Location"] == "/admin/"
    assert _fresh(unverified).hpr_verified_at is None


def test_confirming_without_the_csrf_token_is_refused(officer, unverified):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = _confirm(client, unverified)
    assert response.status_code == 403
    assert _fresh(unverified).hpr_verified_at is None


def test_the_menu_shows_the_queue_with_its_count_to_compliance_officers_only(client, officer, unverified):
    factories.PrescriberFactory(hpr_verified_at=None)
    with translation.override("nb"):  # the admin speaks nb by default
        label = gettext("HPR verification")
    client.force_login(officer)
    assert f"{label} (2)" in client.get("/admin/").content.decode()
    client.force_login(factories.MedicalAffairsFactory())
    assert QUEUE not in client.get("/admin/").content.decode()


def test_compliance_officers_can_edit_the_programme_owner_contact(client, officer):
    client.force_login(officer)
    assert "/admin/settings/lms/programmeownercontact/" in client.get("/admin/").content.decode()
    edit_url = client.get("/admin/settings/lms/programmeownercontact/")["Location"]
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {
            "organisation": "Sanofi AS",
            "postal_address": "",
            "phone": "+47 67 10 71 00",
            "email": "",
            "hours": "",
        },
    )
    assert response.status_code == 302
    assert "Sanofi AS" in client.get("/en/help/").content.decode()


def test_seed_demo_confirms_the_demo_prescribers_number(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    prescriber = User.objects.get(email="prescriber@example.com")
    assert prescriber.hpr_verified_at is not None
    assert prescriber.hpr_verification_method == User.HprVerification.COMPLIANCE
    assert prescriber.hpr_verification_note == "Demo account created by seed_demo"
