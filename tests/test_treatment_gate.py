"""The treatment gate: only a prescriber with a valid attestation records that treatment starts.

Every initiation and every refusal is stored; bad input is neither and stores nothing.
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.utils import formats, timezone, translation

from certificates import services as certificate_services
from certificates.models import Attestation, TreatmentInitiation
from quizzes import services as quiz_services
from tests import factories

pytestmark = pytest.mark.django_db

CONFIRMATIONS = certificate_services.TREATMENT_CONFIRMATIONS


@pytest.fixture
def en_programme(programme_with_bank):
    return factories.programme(code="en", source=programme_with_bank)


@pytest.fixture
def url(programme_with_bank, en_programme):
    return f"/en/treatment/{en_programme.slug}/"


def _pass_quiz(user, programme):
    """A real pass through the quiz services: the receiver issues the attestation."""
    factories.read_all(user, programme)
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


def _valid_post(reference="PAS-0042", **changes):
    data = {"patient_reference": reference, "indication_basis": "inadequate_response"}
    data.update(dict.fromkeys(CONFIRMATIONS, "on"))
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.found.append(dict(attrs))


def _inputs(body, name):
    """The attributes of every ``<input name=...>`` in the page."""
    parser = _Inputs()
    parser.feed(body)
    return [attrs for attrs in parser.found if attrs.get("name") == name]


def _checked(body, name, value=None):
    return any(
        "checked" in attrs and (value is None or attrs.get("value") == value) for attrs in _inputs(body, name)
    )


def _no_attestation(user, programme):
    return None


def _expired(user, programme):
    attestation = _pass_quiz(user, programme)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Attestation.objects.filter(pk=attestation.pk).update(valid_until=yesterday)
    return attestation


def _revoked(user, programme):
    attestation = _pass_quiz(user, programme)
    certificate_services.attestation_revoke(
        attestation=attestation, by=factories.ComplianceFactory(), reason="Issued in error."
    )
    return attestation


def _renewal_required(user, programme):
    attestation = _pass_quiz(user, programme)
    Attestation.objects.filter(pk=attestation.pk).update(
        renewal_required_from=timezone.now() - datetime.timedelta(hours=1)
    )
    return attestation


NOT_VALID = [
    pytest.param(_no_attestation, "none", "You have no attestation for this programme yet.", id="none"),
    pytest.param(_expired, "expired", "Your attestation expired on", id="expired"),
    pytest.param(_revoked, "revoked", "Your attestation was revoked on", id="revoked"),
    pytest.param(
        _renewal_required,
        "renewal_required",
        "The programme changed materially: your attestation has needed renewal since",
        id="renewal_required",
    ),
]


@pytest.mark.parametrize(("arrange", "code", "reason"), NOT_VALID)
def test_gate_shows_the_reason_and_no_form_unless_the_attestation_is_valid(
    client, prescriber, programme_with_bank, url, arrange, code, reason
):
    arrange(prescriber, programme_with_bank)
    client.force_login(prescriber)
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert reason in body
    assert "What to do next" in body
    assert not _inputs(body, "patient_reference")
    assert not TreatmentInitiation.objects.exists()


@pytest.mark.parametrize(("arrange", "code", "reason"), NOT_VALID)
def test_gate_refuses_and_stores_the_refusal_with_the_status(
    client, prescriber, programme_with_bank, url, arrange, code, reason
):
    attestation = arrange(prescriber, programme_with_bank)
    client.force_login(prescriber)
    response = client.post(url, _valid_post())
    assert response.status_code == 403
    assert reason in response.content.decode()
    refusal = TreatmentInitiation.objects.get(user=prescriber)
    assert refusal.outcome == TreatmentInitiation.Outcome.REFUSED
    assert refusal.status == code
    assert reason in refusal.reason
    assert refusal.language == "en"
    assert refusal.attestation_id == (attestation.pk if attestation else None)
    assert refusal.programme_id == programme_with_bank.pk  # the default-locale version
    assert refusal.programme_key == programme_with_bank.translation_key
    assert refusal.patient_reference == ""
    assert refusal.confirmations == {}


def test_a_refusal_is_stored_even_when_the_input_is_incomplete(client, prescriber, url):
    client.force_login(prescriber)
    response = client.post(url, {"patient_reference": "010190 12345"})
    assert response.status_code == 403
    refusal = TreatmentInitiation.objects.get(user=prescriber)
    assert (refusal.outcome, refusal.status, refusal.patient_reference) == ("refused", "none", "")


def test_refusal_reason_is_stored_in_the_users_language(client, prescriber, programme_with_bank):
    _expired(prescriber, programme_with_bank)
    client.force_login(prescriber)
    response = client.post(f"/nb/treatment/{programme_with_bank.slug}/", _valid_post())
    assert response.status_code == 403
    refusal = TreatmentInitiation.objects.get(user=prescriber)
    assert refusal.language == "nb"
    assert refusal.reason in response.content.decode()


def test_valid_attestation_records_the_initiation_with_every_confirmation(
    client, prescriber, programme_with_bank, url
):
    attestation = _pass_quiz(prescriber, programme_with_bank)
    client.force_login(prescriber)
    response = client.post(url, _valid_post("PAS-0042", indication_basis="other_dmt_unsuitable"))
    record = TreatmentInitiation.objects.get(user=prescriber)
    assert response.status_code == 302
    assert response["Location"] == f"{url}?recorded={record.pk}"
    assert record.outcome == TreatmentInitiation.Outcome.RECORDED
    assert record.status == "valid"
    assert record.reason == ""
    assert record.patient_reference == "PAS-0042"
    assert record.attestation_id == attestation.pk
    assert record.programme_id == programme_with_bank.pk
    assert record.language == "en"
    assert record.confirmations == {
        "indication_basis": "other_dmt_unsuitable",
        **dict.fromkeys(CONFIRMATIONS, True),
    }


def test_confirmation_page_shows_what_was_recorded_and_when(client, prescriber, programme_with_bank, url):
    attestation = _pass_quiz(prescriber, programme_with_bank)
    client.force_login(prescriber)
    response = client.post(url, _valid_post("PAS-0042"), follow=True)
    body = response.content.decode()
    record = TreatmentInitiation.objects.get(user=prescriber)
    assert "Treatment initiation recorded" in body
    assert "PAS-0042" in body
    assert attestation.serial in body
    with translation.override("en"):
        recorded_at = formats.date_format(timezone.localtime(record.created_at), "DATETIME_FORMAT")
    assert recorded_at in body
    assert "Alternative 1: the patient has had full and adequate treatment" in body
    assert "four years is the latest reported, not a limit" in body
    assert "alert card" not in body  # not in the letter or the course: not asked for
    assert not _inputs(body, "patient_reference")


def test_a_record_that_confirmed_the_retired_alert_card_still_shows_it(
    client, prescriber, programme_with_bank, url
):
    _pass_quiz(prescriber, programme_with_bank)
    client.force_login(prescriber)
    client.post(url, _valid_post("PAS-0043"))
    record = TreatmentInitiation.objects.get(user=prescriber)
    TreatmentInitiation.objects.filter(pk=record.pk).update(
        confirmations={**record.confirmations, "alert_card_given": True}
    )
    body = client.get(f"{url}?recorded={record.pk}").content.decode()
    assert "The patient has been given the patient alert card." in body


ID_NUMBER_SHAPES = [
    "01019012345",
    "010190 12345",
    "010190-12345",
    "01.01.90 123.45",
    "0101 9012 345",
    "010190\u201312345",
    "PAS 01019012345",
    # Other separators, invisible characters, look-alike letters and digits, longer runs.
    "010190_12345",
    "010190/12345",
    "010190,12345",
    "010190+12345",
    "010190\u200b12345",
    "01019O12345",
    "\uff10\uff11\uff10\uff11\uff19\uff10\uff11\uff12\uff13\uff14\uff15",
    "123456789012",
]


@pytest.mark.parametrize("reference", ID_NUMBER_SHAPES)
def test_identity_number_shapes_are_recognised(reference):
    assert certificate_services.looks_like_national_identity_number(reference)


@pytest.mark.parametrize(
    "reference", ["PAS-0042", "K-2026-17", "1234567890", "A1B2C3", "ONKO 12345 rom 678901"]
)
def test_pseudonymous_references_are_accepted(reference):
    assert not certificate_services.looks_like_national_identity_number(reference)


def test_identity_number_shaped_reference_is_refused_and_the_typed_values_are_kept(
    client, prescriber, programme_with_bank, url
):
    _pass_quiz(prescriber, programme_with_bank)
    client.force_login(prescriber)
    for reference in ID_NUMBER_SHAPES:
        response = client.post(url, _valid_post(reference, indication_basis="other_dmt_unsuitable"))
        body = response.content.decode()
        assert response.status_code == 400, reference
        assert "Do not enter a national identity number" in body, reference
        field = _inputs(body, "patient_reference")[0]
        assert field["value"] == reference
        assert field["aria-describedby"].endswith("id_patient_reference-error")
        assert _checked(body, "indication_basis", "other_dmt_unsuitable")
        assert not _checked(body, "indication_basis", "inadequate_response")
        assert all(_checked(body, key) for key in CONFIRMATIONS)
    assert not TreatmentInitiation.objects.exists()


def test_service_itself_refuses_an_identity_number_and_stores_nothing(prescriber, programme_with_bank):
    _pass_quiz(prescriber, programme_with_bank)
    confirmations = {"indication_basis": "inadequate_response", **dict.fromkeys(CONFIRMATIONS, True)}
    with pytest.raises(certificate_services.TreatmentInputError) as raised:
        certificate_services.treatment_initiation_record(
            user=prescriber,
            programme=programme_with_bank,
            confirmations=confirmations,
            patient_reference="010190-12345",
            language="en",
        )
    assert raised.value.code == "national_identity_number"
    assert not TreatmentInitiation.objects.exists()


def test_each_missing_confirmation_is_bad_input_and_stores_nothing(
    client, prescriber, programme_with_bank, url
):
    _pass_quiz(prescriber, programme_with_bank)
    client.force_login(prescriber)
    for missing in [*CONFIRMATIONS, "indication_basis"]:
        response = client.post(url, _valid_post("PAS-0042", **{missing: None}))
        body = response.content.decode()
        assert response.status_code == 400, missing
        assert "Please correct the errors below" in body
        assert _inputs(body, "patient_reference")[0]["value"] == "PAS-0042"
        assert all(_checked(body, key) for key in CONFIRMATIONS if key != missing)
        if missing == "indication_basis":
            assert "Choose which of the two alternatives applies." in body
            assert not _checked(body, "indication_basis")
        else:
            assert "Confirm this before you record the treatment initiation." in body, missing
            assert _inputs(body, missing)[0]["aria-describedby"] == f"id_{missing}-error"
            assert not _checked(body, missing)
            assert _checked(body, "indication_basis", "inadequate_response")
    assert not TreatmentInitiation.objects.exists()


def test_service_refuses_incomplete_confirmations_and_stores_nothing(prescriber, programme_with_bank):
    _pass_quiz(prescriber, programme_with_bank)
    confirmations = {"indication_basis": "inadequate_response", **dict.fromkeys(CONFIRMATIONS, True)}
    confirmations["told_late_hlh"] = False
    with pytest.raises(certificate_services.TreatmentInputError):
        certificate_services.treatment_initiation_record(
            user=prescriber,
            programme=programme_with_bank,
            confirmations=confirmations,
            patient_reference="PAS-0042",
            language="en",
        )
    assert not TreatmentInitiation.objects.exists()


def test_form_errors_are_shown_in_the_users_language(client, prescriber, programme_with_bank):
    _pass_quiz(prescriber, programme_with_bank)
    client.force_login(prescriber)
    response = client.post(f"/nb/treatment/{programme_with_bank.slug}/", _valid_post(""))
    assert response.status_code == 400
    assert '<html lang="nb">' in response.content.decode()
    assert not TreatmentInitiation.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/en/accounts/login/?next={url}"
    response = client.post(url, _valid_post())
    assert response.status_code == 302
    assert not TreatmentInitiation.objects.exists()


def test_unverified_email_is_sent_to_verification(client, url):
    user = factories.PrescriberFactory(verified=False)
    client.force_login(user)
    response = client.post(url, _valid_post())
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/confirm-email/"
    assert not TreatmentInitiation.objects.exists()


def test_unknown_programme_is_404(client, prescriber):
    client.force_login(prescriber)
    assert client.get("/en/treatment/no-such-programme/").status_code == 404


def test_prescribers_see_only_their_own_records(client, programme_with_bank, url):
    mine, theirs = factories.PrescriberFactory(), factories.PrescriberFactory()
    _pass_quiz(mine, programme_with_bank)
    _pass_quiz(theirs, programme_with_bank)
    client.force_login(mine)
    client.post(url, _valid_post("MINE-001"))
    own = TreatmentInitiation.objects.get(user=mine)

    body = client.get(url).content.decode()
    assert "MINE-001" in body

    client.force_login(theirs)
    body = client.get(url).content.decode()
    assert "MINE-001" not in body
    assert "You have not recorded any treatment initiations under this programme." in body
    body = client.get(f"{url}?recorded={own.pk}").content.decode()
    assert "MINE-001" not in body
    assert "Treatment initiation recorded" not in body
    assert _inputs(body, "patient_reference")


def test_programme_page_links_to_the_gate_when_the_attestation_is_valid(
    client, prescriber, programme_with_bank, en_programme, url
):
    client.force_login(prescriber)
    assert url not in client.get(en_programme.url).content.decode()
    _pass_quiz(prescriber, programme_with_bank)
    body = client.get(en_programme.url).content.decode()
    assert f'href="{url}"' in body
    assert "Record treatment initiation" in body
