"""What people see of an attestation: the prescriber on the learner pages and "My attestations",
anyone on the public verify page and form."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import formats, timezone, translation

from certificates import selectors, services
from certificates.models import Attestation
from quizzes.models import Attempt
from tests import factories

pytestmark = pytest.mark.django_db


def pass_in_browser_terms(client, programme, *, wrong=()):
    """Start the quiz and submit it the way the form does; returns the submitted attempt."""
    response = client.post(f"/en/quiz/{programme.slug}/start/")
    assert response.status_code == 302, response
    attempt = Attempt.objects.filter(status="in_progress").latest("pk")
    answers = factories.as_post(factories.correct_answers(attempt, wrong=wrong))
    assert client.post(f"/en/quiz/attempt/{attempt.pk}/", answers).status_code == 302
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def passed(client, ready_prescriber, programme_with_bank, django_capture_on_commit_callbacks):
    """The prescriber passed (the PDF rendered after commit) and is signed in."""
    client.force_login(ready_prescriber)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = pass_in_browser_terms(client, programme_with_bank)
    attestation = Attestation.objects.get(attempt=attempt)
    assert attestation.pdf_status == Attestation.PdfStatus.READY
    return attestation


def english_date(value):
    with translation.override("en"):
        return formats.date_format(value, "DATE_FORMAT")


def shows_the_attestation(body, attestation):
    return (
        'class="status-pill status-valid"' in body
        and "Valid" in body
        and attestation.serial in body
        and english_date(attestation.valid_until) in body
        and f'href="/en/attestations/{attestation.pk}/pdf/"' in body
        and "Download attestation (PDF)" in body
    )


# After a pass, on the learner pages ---------------------------------------------------------------


def test_the_result_page_shows_the_new_attestation(client, passed):
    body = client.get(f"/en/quiz/attempt/{passed.attempt_id}/result/").content.decode()

    assert "Passed" in body
    assert shows_the_attestation(body, passed)


def test_the_programme_page_shows_the_attestation_and_no_quiz_to_go_to(client, passed, programme_with_bank):
    body = client.get(f"/en/{programme_with_bank.slug}/").content.decode()

    assert shows_the_attestation(body, passed)
    assert "Record treatment initiation" in body
    assert "Go to the quiz" not in body


def test_the_home_page_shows_the_attestation_for_each_programme(client, passed):
    body = client.get("/en/").content.decode()

    assert shows_the_attestation(body, passed)


def test_the_quiz_page_shows_the_attestation_and_offers_no_new_attempt(client, passed, programme_with_bank):
    body = client.get(f"/en/quiz/{programme_with_bank.slug}/").content.decode()
    refused = client.post(f"/en/quiz/{programme_with_bank.slug}/start/")

    assert shows_the_attestation(body, passed)
    assert "You hold a valid attestation, so the quiz offers no new attempt." in body
    assert "Start the quiz" not in body
    assert refused.status_code == 403
    assert Attempt.objects.filter(user=passed.user).count() == 1


def test_a_failed_attempt_in_the_renewal_window_leaves_the_attestation_valid(
    client, passed, programme_with_bank
):
    Attestation.objects.filter(pk=passed.pk).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=10)
    )
    passed.refresh_from_db()
    programme_before = client.get(f"/en/{programme_with_bank.slug}/").content.decode()

    failed = pass_in_browser_terms(client, programme_with_bank, wrong={1, 2, 3})

    assert not failed.passed
    status = selectors.attestation_status(user=passed.user, programme=programme_with_bank)
    assert status.code == "valid"
    assert status.attestation.pk == passed.pk
    assert "the quiz is open again" in programme_before
    for url in (f"/en/{programme_with_bank.slug}/", f"/en/quiz/{programme_with_bank.slug}/"):
        body = client.get(url).content.decode()
        assert shows_the_attestation(body, passed), url
        panel = body.split('class="card attestation-panel')[1].split("</section>")[0]
        assert "Not passed" not in panel, url
    assert "Not passed" not in client.get(f"/en/{programme_with_bank.slug}/").content.decode()


def test_the_home_page_costs_a_constant_number_of_queries_per_programme(client, passed, programme_with_bank):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/").status_code == 200
        return len(queries)

    count()  # the first request fills caches (site, locales)
    one = count()
    factories.programme(slug="second")
    two = count()
    factories.programme(slug="third")
    three = count()

    # The attestation panel asks one question per programme (its status); nothing else grows.
    assert two - one == three - two
    assert two - one <= 2


# My attestations -----------------------------------------------------------------------------------


def test_my_attestations_lists_current_and_past_ones(
    client, passed, programme_with_bank, django_capture_on_commit_callbacks
):
    # Renew in the window before expiry: the first attestation is superseded.
    Attestation.objects.filter(pk=passed.pk).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        renewed = Attestation.objects.get(attempt=pass_in_browser_terms(client, programme_with_bank))
    other = factories.programme(slug="other", title="Annen medisin")
    factories.question_bank(other, topics=3, per_topic=2)
    factories.read_all(passed.user, other)
    with django_capture_on_commit_callbacks(execute=True):
        revoked = Attestation.objects.get(attempt=pass_in_browser_terms(client, other))
        services.attestation_revoke(
            attestation=revoked, by=factories.ComplianceFactory(), reason="Wrong person"
        )

    body = client.get("/en/attestations/").content.decode()

    for attestation in (passed, renewed, revoked):
        assert attestation.serial in body
    assert "Replaced by a newer attestation" in body
    assert 'class="status-pill status-revoked"' in body
    assert "Wrong person" in body
    assert body.index(revoked.serial) < body.index(renewed.serial) < body.index(passed.serial)


def test_my_attestations_is_for_signed_in_people_only(client):
    response = client.get("/en/attestations/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# The public verify page --------------------------------------------------------------------------


def test_the_verify_page_shows_status_holder_programme_and_valid_until_only(client, passed):
    client.logout()
    body = client.get(f"/en/verify/{passed.verification_code}/").content.decode()

    assert 'class="status-pill status-valid"' in body
    assert passed.holder_name in body
    assert passed.programme_title in body
    assert english_date(passed.valid_until) in body
    assert passed.hpr_number not in body
    assert passed.user.email not in body
    assert passed.serial not in body


@pytest.mark.parametrize("prefix", ["", "/nb", "/en"])
def test_the_verify_page_answers_with_and_without_a_language_prefix(client, passed, prefix):
    client.logout()
    response = client.get(f"{prefix}/verify/{passed.verification_code}/")

    assert response.status_code == 200
    assert passed.holder_name in response.content.decode()


@pytest.mark.parametrize(
    ("browser", "other", "name"), [("nb", "en", "English"), ("en", "nb", "Norsk bokmål")]
)
def test_the_language_switch_on_the_qr_codes_verify_page_leads_to_the_other_language(
    client, passed, browser, other, name
):
    """``/verify/<code>/`` takes its language from the browser: its link to the other language
    must lead to the prefixed page in that language, not back to itself."""
    client.logout()
    code = passed.verification_code
    body = client.get(f"/verify/{code}/", headers={"accept-language": browser}).content.decode()

    assert f'<html lang="{browser}">' in body
    assert f'href="/{other}/verify/{code}/" lang="{other}" hreflang="{other}">{name}</a>' in body
    followed = client.get(f"/{other}/verify/{code}/", headers={"accept-language": browser})
    assert followed.status_code == 200
    assert f'<html lang="{other}">' in followed.content.decode()


def test_an_unknown_code_gets_a_friendly_not_found_page(client):
    response = client.get("/en/verify/not-a-real-code-at-all/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Attestation not found" in body
    assert 'href="/en/verify/"' in body


def test_the_verify_form_finds_an_attestation_by_serial_and_code(client, passed):
    client.logout()
    response = client.post(
        "/en/verify/", {"serial": passed.serial.lower(), "code": f" {passed.verification_code} "}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="status-pill status-valid"' in body
    assert passed.holder_name in body


def test_a_wrong_serial_and_code_pair_is_refused_and_the_values_kept(client, passed):
    client.logout()
    wrong_serial = "LEM-2026-999999"
    response = client.post("/en/verify/", {"serial": wrong_serial, "code": passed.verification_code})

    assert response.status_code == 404
    body = response.content.decode()
    assert "No attestation matches this serial and code." in body
    assert f'value="{wrong_serial}"' in body
    assert f'value="{passed.verification_code}"' in body
    assert passed.holder_name not in body


@override_settings(VERIFY_RATE_LIMIT="3/m")
def test_the_verify_page_is_rate_limited(client, passed):
    client.logout()

    answers = [
        client.get(f"{prefix}/verify/{passed.verification_code}/").status_code for prefix in ("", "/nb")
    ]
    answers.append(client.get("/en/verify/not-a-real-code/").status_code)
    limited = client.get(f"/en/verify/{passed.verification_code}/")

    assert answers == [200, 200, 404]
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Too many look-ups" in limited.content.decode()


@override_settings(VERIFY_RATE_LIMIT="3/m")
def test_the_verify_form_is_rate_limited(client, passed):
    client.logout()
    wrong = {"serial": passed.serial, "code": "guess"}

    answers = [client.post("/en/verify/", wrong).status_code for _ in range(3)]
    limited = client.post("/en/verify/", {"serial": passed.serial, "code": passed.verification_code})

    assert answers == [404, 404, 404]
    assert limited.status_code == 429
    assert passed.holder_name not in limited.content.decode()
