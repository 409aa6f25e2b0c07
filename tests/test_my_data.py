"""My data: a prescriber downloads everything held about them, and nobody else's."""

import json

import pytest

from audit.models import AuditEvent
from certificates import services as certificate_services
from tests import factories
from tests.test_attestation_pages import passed  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _download(client):
    response = client.get("/en/account/my-data/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    return json.loads(response.content)


def test_my_data_holds_profile_reading_attempts_with_answers_attestations_and_initiations(client, passed):  # noqa: F811
    attestation = passed
    user = attestation.user
    confirmations = {name: True for name in certificate_services.TREATMENT_CONFIRMATIONS}
    confirmations["indication_basis"] = certificate_services.INDICATION_BASES[0]
    certificate_services.treatment_initiation_record(
        user=user,
        programme=attestation.programme,
        confirmations=confirmations,
        patient_reference="Pasient A-17",
        language="en",
    )
    other = factories.PrescriberFactory(full_name="Someone Else")
    # Someone checks the attestation on the public page: an event about the prescriber's record.
    certificate_services.attestation_access_record(
        action="attestation.verified", attestation=attestation, payload={"via": "qr"}
    )

    data = _download(client)
    assert data["profile"]["email"] == user.email and data["identity"]["hpr_number"] == user.hpr_number
    assert len(data["lessons_read"]) == 3
    (attempt,) = data["quiz_attempts"]
    assert attempt["passed"] is True and attempt["questions"]
    assert all(q["your_answer"] for q in attempt["questions"])  # the learner's own answers
    assert [a["serial"] for a in data["attestations"]] == [attestation.serial]
    assert data["attestations"][0]["status"] == "valid"
    assert data["treatment_initiations"][0]["patient_reference"] == "Pasient A-17"
    assert "attempt.submitted" in [e["event"] for e in data["audit_trail"]]
    assert "attestation.verified" in [e["event"] for e in data["audit_trail"]]
    assert other.email not in json.dumps(data)
    assert AuditEvent.objects.filter(action="data.downloaded_by_holder", actor_id=user.pk).count() == 1


def test_the_my_data_page_links_the_download_and_the_attestation_pdfs(client, passed):  # noqa: F811
    body = client.get("/en/account/my-data/").content.decode()
    assert 'href="/en/account/my-data/download/"' in body
    assert f'href="/en/attestations/{passed.pk}/pdf/"' in body
    assert 'href="/en/account/my-data/"' in client.get("/en/attestations/").content.decode()  # in the menu


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/en/account/my-data/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="data.downloaded_by_holder").exists()
