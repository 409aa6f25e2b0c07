"""What the apps write to the audit trail, as a prescriber, a pharmacy and the staff use the product."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from audit.selectors import audit_chain_verify, events_for
from certificates import services as certificate_services
from certificates.models import Attestation, TreatmentInitiation
from courses.models import LessonPage
from courses.services import content_withdraw
from lms import roles
from lms.identity import hpr_verify
from quizzes import services as quiz_services
from tests import factories
from tests.test_attestation_pages import passed  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def actions(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("pk").values_list("action", flat=True))


def test_a_prescribers_way_to_an_attestation_is_in_the_trail(client, passed):  # noqa: F811
    attestation = passed
    user = attestation.user
    attempt = attestation.attempt
    assert actions(object_type="quizzes.attempt", object_id=str(attempt.pk)) == [
        "attempt.started",
        "attempt.submitted",
    ]
    submitted = AuditEvent.objects.get(action="attempt.submitted")
    assert submitted.actor_id == user.pk and submitted.payload["passed"] is True
    issued = events_for(object_type="certificates.attestation", object_id=attestation.pk)
    assert [e.action for e in issued] == ["attestation.issued"]
    assert issued[0].payload["valid_until"] == attestation.valid_until.isoformat()

    client.get(f"/en/attestations/{attestation.pk}/pdf/")
    client.logout()
    client.get(f"/en/verify/{attestation.verification_code}/")
    assert actions(object_type="certificates.attestation", object_id=str(attestation.pk)) == [
        "attestation.issued",
        "attestation.downloaded",
        "attestation.verified",
    ]
    assert audit_chain_verify().ok


def test_treatment_initiations_and_refusals_are_recorded_without_the_patient_reference(passed):  # noqa: F811
    attestation = passed
    confirmations = {name: True for name in certificate_services.TREATMENT_CONFIRMATIONS}
    confirmations["indication_basis"] = certificate_services.INDICATION_BASES[0]
    certificate_services.treatment_initiation_record(
        user=attestation.user,
        programme=attestation.programme,
        confirmations=confirmations,
        patient_reference="Pasient A-17",
        language="en",
    )
    certificate_services.attestation_revoke(
        attestation=attestation, by=factories.ComplianceFactory(), reason="Test"
    )
    certificate_services.treatment_initiation_record(
        user=attestation.user,
        programme=attestation.programme,
        confirmations=confirmations,
        patient_reference="Pasient B-2",
        language="en",
    )
    recorded, refused = AuditEvent.objects.filter(action__startswith="treatment.").order_by("pk")
    assert (recorded.action, refused.action) == ("treatment.recorded", "treatment.refused")
    assert refused.payload["status"] == "revoked"
    assert TreatmentInitiation.objects.count() == 2
    assert not AuditEvent.objects.filter(payload__icontains="Pasient").exists()
    assert "A-17" not in str(list(AuditEvent.objects.values_list("payload", "object_label")))
    revoked = AuditEvent.objects.get(action="attestation.revoked")
    assert revoked.payload == {"reason": "Test"} and revoked.actor_id is not None


def test_api_look_ups_and_tokens_are_recorded(client, passed):  # noqa: F811
    attestation = passed
    officer = factories.ComplianceFactory()
    token, raw = certificate_services.api_token_create(name="Apotek 1 Bergen", by=officer)
    client.get(
        f"/api/v1/attestations/status?hpr={attestation.hpr_number}&programme={attestation.programme.slug}",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    certificate_services.api_token_revoke(token=token, by=officer)
    looked_up = AuditEvent.objects.get(action="attestation.looked_up")
    assert looked_up.object_id == str(attestation.pk)
    assert looked_up.payload["token"] == "Apotek 1 Bergen" and looked_up.payload["status"] == "valid"
    assert actions(object_type="certificates.apitoken") == ["api_token.created", "api_token.revoked"]


def test_identity_and_roles_are_recorded():
    user = factories.UserFactory(hpr_number="1234567")
    officer = factories.ComplianceFactory()
    user.groups.add(Group.objects.get(name=roles.PRESCRIBER))
    hpr_verify(user=user, method="compliance", by=officer, note="Checked in the HPR register")
    user.groups.remove(Group.objects.get(name=roles.PRESCRIBER))
    events = AuditEvent.objects.filter(object_type="lms.user", object_id=str(user.pk)).order_by("pk")
    assert [e.action for e in events] == [
        "account.roles_changed",
        "identity.hpr_verified",
        "account.roles_changed",
    ]
    assert events[0].payload["roles"] == [roles.PRESCRIBER] and events[0].payload["change"] == "add"
    assert events[1].actor_id == officer.pk and events[1].payload["note"] == "Checked in the HPR register"
    assert events[2].payload["roles_now"] == []


def test_an_expired_attempt_is_recorded(ready_prescriber, programme_with_bank):
    from datetime import timedelta

    from django.utils import timezone

    started = timezone.now() - timedelta(days=1)
    attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank, now=started)
    quiz_services.attempt_expire_stale(user=ready_prescriber, programme_key=attempt.programme_key)
    assert actions(object_type="quizzes.attempt") == ["attempt.started", "attempt.expired"]


def test_an_attempts_label_in_the_trail_gives_its_start_in_local_time(ready_prescriber, programme_with_bank):
    from datetime import UTC, datetime

    started = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 the next day in Oslo (CEST)
    attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank, now=started)
    event = AuditEvent.objects.get(action="attempt.started", object_id=str(attempt.pk))
    assert event.object_label.endswith("· 2026-07-01 00:30")


def test_content_review_and_withdrawal_are_recorded(client, programme, django_capture_on_commit_callbacks):
    from tests.test_material_change import approve, submit_lesson_change

    editor, reviewer = factories.MedicalAffairsFactory(), factories.MedicalAffairsFactory()
    lesson = LessonPage.objects.child_of(programme).first()
    submit_lesson_change(client, lesson, editor, material=True)
    approve(client, lesson, reviewer, django_capture_on_commit_callbacks)
    content_withdraw(obj=LessonPage.objects.get(pk=lesson.pk), user=reviewer, reason="Feil dose")
    events = AuditEvent.objects.filter(object_type="courses.lessonpage", object_id=str(lesson.pk)).order_by(
        "pk"
    )
    assert [e.action for e in events] == [
        "content.submitted",
        "content.published",
        "content.approved",
        "content.withdrawn",
    ]
    submitted, published, approved, withdrawn = events
    assert submitted.actor_id == editor.pk and submitted.payload["material"] is True
    assert published.payload["material"] is True and published.payload["content_version"]
    # Published by the reviewer who approved it; the editor saved the revision.
    assert published.actor_id == reviewer.pk
    assert published.payload["revision_saved_by"] == editor.email
    assert approved.actor_id == reviewer.pk
    assert withdrawn.payload["reason"] == "Feil dose"
    assert Attestation.objects.count() == 0
    assert audit_chain_verify().ok


def test_the_attestation_inspect_page_shows_its_whole_history(client, passed):  # noqa: F811
    from django.urls import reverse

    from tests.test_attestation_lifecycle import officer

    attestation = passed
    client.get(f"/en/attestations/{attestation.pk}/pdf/")
    certificate_services.attestation_revoke(
        attestation=attestation, by=factories.ComplianceFactory(), reason="Feil"
    )
    client.force_login(officer())
    body = client.get(reverse("attestations:inspect", args=[attestation.pk])).content.decode()
    history = body[body.index("History") :]
    for action in ("attestation.issued", "attestation.downloaded", "attestation.revoked"):
        assert action in history
    assert history.index("attestation.issued") < history.index("attestation.revoked")
    assert "reason: Feil" in history
    # Named for people, in the reader's language (the officer reads English).
    for name in ("Attestation issued", "Attestation PDF downloaded", "Attestation revoked"):
        assert name in history
