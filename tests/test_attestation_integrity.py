"""What an attestation attests cannot be bent: a revocation stands, an attempt attests the content
it was drawn from, a revoked PDF is not handed out again, and production knows its own address."""

import datetime

import pytest
from django.utils import timezone

from certificates import selectors, services
from certificates.models import Attestation, TreatmentInitiation
from courses import services as course_services
from courses.models import LessonPage
from quizzes import services as quiz_services
from quizzes.models import Attempt
from tests import factories

pytestmark = pytest.mark.django_db


def pass_quiz(user, programme):
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


def in_renewal_window(attestation):
    """Twenty days left: the quiz has reopened for renewal."""
    Attestation.objects.filter(pk=attestation.pk).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=20)
    )


def publish_material_change(lesson, *, summary="Nytt om leverfunksjon."):
    revision = lesson.save_revision()
    course_services.content_change_declare(
        revision=revision,
        programme_key=lesson.get_parent().translation_key,
        lesson_key=lesson.translation_key,
        title=lesson.title,
        material=True,
        summary=summary,
        user=None,
    )
    revision.publish()


def test_an_attempt_open_when_the_attestation_is_revoked_can_be_neither_resumed_nor_submitted(
    client, ready_prescriber, programme_with_bank
):
    first = pass_quiz(ready_prescriber, programme_with_bank)
    in_renewal_window(first)
    open_attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    services.attestation_revoke(attestation=first, by=factories.ComplianceFactory(), reason="Feil identitet.")

    client.force_login(ready_prescriber)
    quiz_page = client.get(f"/en/quiz/{programme_with_bank.slug}/").content.decode()
    assert "Resume your attempt" not in quiz_page
    assert client.post(f"/en/quiz/{programme_with_bank.slug}/start/").status_code == 403
    answers = factories.as_post(factories.correct_answers(open_attempt))
    response = client.post(f"/en/quiz/attempt/{open_attempt.pk}/", answers)

    assert response.status_code == 403
    assert Attempt.objects.get(pk=open_attempt.pk).status == Attempt.Status.IN_PROGRESS
    assert list(Attestation.objects.filter(user=ready_prescriber).values_list("state", flat=True)) == [
        "revoked"
    ]
    status = selectors.attestation_status(user=ready_prescriber, programme=programme_with_bank)
    assert status.code == "revoked"


def test_an_attempt_open_across_a_material_change_attests_the_content_it_was_drawn_from(
    ready_prescriber, programme_with_bank
):
    attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    lesson = LessonPage.objects.child_of(programme_with_bank).first()
    publish_material_change(lesson)

    quiz_services.attempt_submit(
        attempt_id=attempt.pk, user=ready_prescriber, answers=factories.correct_answers(attempt)
    )

    attestation = Attestation.objects.get(attempt=attempt)
    assert attestation.content_version == 1
    assert attestation.renewal_required_from is not None
    assert attestation.renewal_change.summary == "Nytt om leverfunksjon."
    status = selectors.attestation_status(user=ready_prescriber, programme=programme_with_bank)
    assert status.renewal_pending
    later = attestation.renewal_required_from + datetime.timedelta(minutes=1)
    assert (
        selectors.attestation_status(user=ready_prescriber, programme=programme_with_bank, now=later).code
        == "renewal_required"
    )


def test_an_attempt_started_after_the_change_attests_the_new_content(ready_prescriber, programme_with_bank):
    lesson = LessonPage.objects.child_of(programme_with_bank).first()
    publish_material_change(lesson)
    factories.read_all(ready_prescriber, programme_with_bank)

    attestation = pass_quiz(ready_prescriber, programme_with_bank)

    assert attestation.content_version == 2
    assert attestation.renewal_required_from is None


def test_the_holder_cannot_download_a_revoked_attestation_but_compliance_can(
    client, ready_prescriber, programme_with_bank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attestation = pass_quiz(ready_prescriber, programme_with_bank)
    url = f"/en/attestations/{attestation.pk}/pdf/"
    client.force_login(ready_prescriber)
    assert client.get(url).status_code == 200

    services.attestation_revoke(attestation=attestation, by=factories.ComplianceFactory(), reason="Feil.")

    assert client.get(url).status_code == 404
    assert url not in client.get("/en/attestations/").content.decode()
    client.force_login(factories.ComplianceFactory())
    assert client.get(url).status_code == 200


def test_the_verify_page_names_a_replaced_attestation_and_the_renewal_date(
    client, ready_prescriber, programme_with_bank
):
    first = pass_quiz(ready_prescriber, programme_with_bank)
    in_renewal_window(first)
    second = pass_quiz(ready_prescriber, programme_with_bank)

    old_page = client.get(f"/en/verify/{first.verification_code}/").content.decode()
    assert "Replaced by a newer attestation" in old_page
    assert "Valid until" in old_page and "The holder may not initiate treatment" in old_page

    due = timezone.now() + datetime.timedelta(days=5)
    Attestation.objects.filter(pk=second.pk).update(renewal_required_from=due)
    new_page = client.get(f"/en/verify/{second.verification_code}/").content.decode()
    assert "unless renewed" in new_page


def test_a_double_submitted_treatment_initiation_is_recorded_once(ready_prescriber, programme_with_bank):
    pass_quiz(ready_prescriber, programme_with_bank)
    confirmations = {"indication_basis": services.INDICATION_BASES[0]}
    confirmations.update(dict.fromkeys(services.TREATMENT_CONFIRMATIONS, True))

    records = [
        services.treatment_initiation_record(
            user=ready_prescriber,
            programme=programme_with_bank,
            confirmations=confirmations,
            patient_reference="PAS-0042",
            language="nb",
        )
        for _ in range(2)
    ]

    assert records[0].pk == records[1].pk
    assert TreatmentInitiation.objects.filter(outcome="recorded").count() == 1


def test_production_refuses_to_start_without_its_public_address():
    from tests.test_hardening import production

    result = production("check", without=["PUBLIC_BASE_URL"])
    assert result.returncode != 0
    assert "Set the PUBLIC_BASE_URL environment variable for production." in result.stderr

    assert production("check").returncode == 0


def test_a_holder_already_due_for_renewal_hears_about_a_later_change_and_keeps_the_first_date(
    ready_prescriber, programme_with_bank, django_capture_on_commit_callbacks
):
    from django.core import mail

    attestation = pass_quiz(ready_prescriber, programme_with_bank)
    first, second = LessonPage.objects.child_of(programme_with_bank).order_by("path")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        publish_material_change(first, summary="Første endring.")
    due = Attestation.objects.get(pk=attestation.pk).renewal_required_from
    with django_capture_on_commit_callbacks(execute=True):
        publish_material_change(second, summary="Andre endring.")

    assert Attestation.objects.get(pk=attestation.pk).renewal_required_from == due
    bodies = [m.body for m in mail.outbox if m.to == [ready_prescriber.email]]
    assert len(bodies) == 2
    assert "Første endring." in bodies[0] and "Andre endring." in bodies[1]
