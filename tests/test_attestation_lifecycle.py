"""After issue: expiry reminders from the daily job, and what Compliance officers do in the admin
(list, inspect, revoke with a reason, render a PDF again, read treatment initiations)."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from wagtail.users.models import UserProfile

from certificates import notifications, selectors, services
from certificates.models import Attestation, TreatmentInitiation
from quizzes import services as quiz_services
from quizzes.models import Attempt
from tests import factories

pytestmark = pytest.mark.django_db


def pass_quiz(user, programme):
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


def attested(programme, *, valid_until=None):
    prescriber = factories.PrescriberFactory()
    factories.read_all(prescriber, programme)
    attestation = pass_quiz(prescriber, programme)
    if valid_until is not None:
        Attestation.objects.filter(pk=attestation.pk).update(valid_until=valid_until)
        attestation.refresh_from_db()
    return attestation


def run_daily(*args):
    out = io.StringIO()
    call_command("attestations_daily", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def officer():
    """A Compliance officer who reads the admin in English."""
    user = factories.ComplianceFactory()
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def status_tags(body):
    return [label.strip() for label in re.findall(r'<span class="w-status[^"]*">([^<]*)</span>', body)]


def fresh(attestation):
    return Attestation.objects.get(pk=attestation.pk)


@pytest.fixture
def today():
    return timezone.localdate()


# Reminders -----------------------------------------------------------------------------------


def test_reminders_go_out_30_and_7_days_before_expiry_once_each(programme_with_bank, today):
    # Valid through today + 29: 30 days of validity left, today included.
    attestation = attested(programme_with_bank, valid_until=today + datetime.timedelta(days=29))
    holder = attestation.user.email

    first = run_daily()
    second = run_daily()

    assert "sent 1 30-day and 0 7-day" in first
    assert "sent 0 30-day and 0 7-day" in second
    assert [m.to for m in mail.outbox] == [[holder]]
    assert re.search(r"\b30\b", mail.outbox[0].subject)  # "… expires in 30 days", in the holder's language
    row = fresh(attestation)
    assert row.reminder_30_sent_at is not None
    assert row.reminder_7_sent_at is None
    first_sent_at = row.reminder_30_sent_at

    seven_days_left = (attestation.valid_until - datetime.timedelta(days=6)).isoformat()
    third = run_daily("--today", seven_days_left)
    fourth = run_daily("--today", seven_days_left)
    later = run_daily("--today", attestation.valid_until.isoformat())

    assert "sent 0 30-day and 1 7-day" in third
    assert "sent 0 30-day and 0 7-day" in fourth
    assert "sent 0 30-day and 0 7-day" in later
    assert [m.to for m in mail.outbox] == [[holder], [holder]]
    assert re.search(r"\b7\b", mail.outbox[1].subject)
    row = fresh(attestation)
    assert row.reminder_30_sent_at == first_sent_at
    assert row.reminder_7_sent_at is not None


def test_no_reminder_while_more_than_30_days_are_left(programme_with_bank, today):
    attestation = attested(programme_with_bank, valid_until=today + datetime.timedelta(days=30))

    output = run_daily()

    assert "sent 0 30-day and 0 7-day" in output
    assert mail.outbox == []
    assert fresh(attestation).reminder_30_sent_at is None


def test_the_30_day_reminder_goes_out_the_day_the_quiz_reopens_for_renewal(programme_with_bank, today):
    attestation = attested(programme_with_bank, valid_until=today + datetime.timedelta(days=30))
    tomorrow = today + datetime.timedelta(days=1)
    noon_tomorrow = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(12)))
    status = selectors.status_of(fresh(attestation), now=noon_tomorrow)

    sent = services.attestation_send_reminders(today=tomorrow)

    assert selectors.in_renewal_window(status, now=noon_tomorrow)
    assert sent == {"30": 1, "7": 0, "failed": 0}


def test_an_attestation_already_within_7_days_gets_only_the_7_day_reminder(programme_with_bank, today):
    attestation = attested(programme_with_bank, valid_until=today + datetime.timedelta(days=3))

    run_daily()
    run_daily()

    assert len(mail.outbox) == 1
    assert re.search(r"\b4\b", mail.outbox[0].subject)  # valid through day 3, so it ends in 4 days
    row = fresh(attestation)
    assert row.reminder_7_sent_at is not None
    assert row.reminder_30_sent_at is not None  # never sent after the 7-day one


def test_revoked_expired_and_superseded_attestations_get_no_reminder(programme_with_bank, today):
    soon = today + datetime.timedelta(days=10)
    revoked = attested(programme_with_bank, valid_until=soon)
    services.attestation_revoke(attestation=revoked, by=factories.ComplianceFactory(), reason="Wrong person")
    expired = attested(programme_with_bank, valid_until=today - datetime.timedelta(days=1))
    superseded = attested(programme_with_bank, valid_until=soon)
    Attestation.objects.filter(pk=superseded.pk).update(state=Attestation.State.SUPERSEDED)
    mail.outbox.clear()

    sent = services.attestation_send_reminders(today=today)

    assert sent == {"30": 0, "7": 0, "failed": 0}
    assert mail.outbox == []
    assert fresh(revoked).reminder_30_sent_at is None
    assert fresh(expired).reminder_30_sent_at is None


def test_a_run_working_from_stale_rows_does_not_send_a_claimed_reminder_again(
    programme_with_bank, today, monkeypatch
):
    attestation = attested(programme_with_bank, valid_until=today + datetime.timedelta(days=20))
    # What a second run, started at the same moment, read before the first one claimed the reminder.
    stale = list(selectors.attestations_due_for_reminder(days=30, today=today))

    first = services.attestation_send_reminders(today=today)
    monkeypatch.setattr(selectors, "attestations_due_for_reminder", lambda *, days, today: stale)
    second = services.attestation_send_reminders(today=today)

    assert [a.pk for a in stale] == [attestation.pk]
    assert first["30"] == 1
    assert second == {"30": 0, "7": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_a_reminder_that_could_not_be_sent_is_sent_by_the_next_run(programme_with_bank, today, monkeypatch):
    attestation = attested(programme_with_bank, valid_until=today + datetime.timedelta(days=20))
    original = notifications.expiry_reminder

    def broken(**kwargs):
        raise ConnectionError("SMTP server unreachable")

    monkeypatch.setattr(notifications, "expiry_reminder", broken)
    first = services.attestation_send_reminders(today=today)
    assert fresh(attestation).reminder_30_sent_at is None

    monkeypatch.setattr(notifications, "expiry_reminder", original)
    second = services.attestation_send_reminders(today=today)

    assert first == {"30": 0, "7": 0, "failed": 1}
    assert second == {"30": 1, "7": 0, "failed": 0}
    assert len(mail.outbox) == 1
    assert fresh(attestation).reminder_30_sent_at is not None


def test_the_daily_job_renders_pdfs_still_waiting(programme_with_bank, django_capture_on_commit_callbacks):
    attestation = attested(programme_with_bank)  # its render was never run (no commit in this test)
    Attestation.objects.filter(pk=attestation.pk).update(
        issued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert fresh(attestation).pdf_status == Attestation.PdfStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        output = run_daily()

    assert "Queued 1 unrendered attestation PDF(s)" in output
    assert fresh(attestation).pdf_status == Attestation.PdfStatus.READY


def test_the_daily_job_sends_a_ready_e_mail_that_failed_before(
    programme_with_bank, monkeypatch, django_capture_on_commit_callbacks
):
    attestation = attested(programme_with_bank)
    Attestation.objects.filter(pk=attestation.pk).update(
        issued_at=timezone.now() - datetime.timedelta(hours=1)
    )

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(notifications, "send_mail", refuse)
        with django_capture_on_commit_callbacks(execute=True):
            run_daily()  # renders the PDF; its e-mail fails
    assert fresh(attestation).pdf_status == Attestation.PdfStatus.READY
    assert fresh(attestation).holder_notified_at is None
    assert mail.outbox == []

    output = run_daily()
    assert "Sent 1 late 'attestation ready' e-mail(s)." in output
    assert [m.to for m in mail.outbox] == [[attestation.user.email]]
    assert fresh(attestation).holder_notified_at is not None
    assert "Sent 0 late" in run_daily()
    assert len(mail.outbox) == 1


def test_the_daily_job_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run_daily("--today", "tomorrow")


# The admin: who gets in -------------------------------------------------------------------------


def admin_urls(attestation):
    return [
        "/admin/attestations/",
        "/admin/attestations/?pdf_status=failed",
        f"/admin/attestations/inspect/{attestation.pk}/",
        f"/admin/attestations/revoke/{attestation.pk}/",
        f"/admin/attestations/render/{attestation.pk}/",
        "/admin/treatment-initiations/",
    ]


def test_prescribers_are_sent_to_the_login_page(client, programme_with_bank):
    attestation = attested(programme_with_bank)
    client.force_login(attestation.user)

    for url in admin_urls(attestation):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    response = client.post(f"/admin/attestations/revoke/{attestation.pk}/", {"reason": "Because I can"})

    assert response.status_code == 302
    assert fresh(attestation).state == Attestation.State.ACTIVE


def test_medical_affairs_are_refused(client, programme_with_bank):
    attestation = attested(programme_with_bank)
    client.force_login(factories.MedicalAffairsFactory())

    for url in admin_urls(attestation):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/admin/", url
    client.post(f"/admin/attestations/revoke/{attestation.pk}/", {"reason": "Because I can"})
    client.post(f"/admin/attestations/render/{attestation.pk}/")

    assert fresh(attestation).state == Attestation.State.ACTIVE
    menu = client.get("/admin/").content.decode()
    assert "/admin/attestations/" not in menu


def test_compliance_officers_reach_every_view(client, programme_with_bank):
    attestation = attested(programme_with_bank)
    client.force_login(officer())

    for url in admin_urls(attestation):
        assert client.get(url).status_code == 200, url
    assert "/admin/attestations/" in client.get("/admin/").content.decode()


def test_records_cannot_be_added_edited_or_deleted(client, programme_with_bank):
    attestation = attested(programme_with_bank)
    client.force_login(officer())

    for url in [
        "/admin/attestations/new/",
        f"/admin/attestations/edit/{attestation.pk}/",
        f"/admin/attestations/delete/{attestation.pk}/",
        f"/admin/attestations/copy/{attestation.pk}/",
        "/admin/treatment-initiations/new/",
    ]:
        # No admin view answers: the request falls through to the site's 404 page.
        assert client.get(url, follow=True).status_code == 404, url
        assert client.post(url, {"holder_name": "Someone else"}, follow=True).status_code == 404, url
    assert fresh(attestation).holder_name == attestation.holder_name


# The admin: the list and the record -----------------------------------------------------------


def test_the_list_shows_each_attestation_with_its_status(client, programme_with_bank, today):
    valid = attested(programme_with_bank)
    expired = attested(programme_with_bank, valid_until=today - datetime.timedelta(days=1))
    client.force_login(officer())

    body = client.get("/admin/attestations/").content.decode()

    for attestation in (valid, expired):
        assert attestation.serial in body
        assert attestation.holder_name in body
        assert attestation.hpr_number in body
    assert sorted(status_tags(body)) == ["Expired", "Valid"]


def test_failed_pdfs_are_flagged_filterable_and_their_error_shown(client, programme_with_bank):
    ok = attested(programme_with_bank)
    broken = attested(programme_with_bank)
    Attestation.objects.filter(pk=broken.pk).update(
        pdf_status=Attestation.PdfStatus.FAILED, pdf_attempts=5, pdf_error="OSError: font missing"
    )
    client.force_login(officer())

    listing = client.get("/admin/attestations/").content.decode()
    failed_only = client.get("/admin/attestations/?pdf_status=failed").content.decode()
    record = client.get(f"/admin/attestations/inspect/{broken.pk}/").content.decode()

    assert "1 attestation PDF could not be rendered" in listing
    assert broken.serial in failed_only
    assert ok.serial not in failed_only
    assert "OSError: font missing" in record


def test_search_finds_by_serial_holder_and_hpr_number(client, programme_with_bank):
    first = attested(programme_with_bank)
    second = attested(programme_with_bank)
    client.force_login(officer())

    Attestation.objects.filter(pk=first.pk).update(holder_name="Kari Nordmann")
    Attestation.objects.filter(pk=second.pk).update(holder_name="Ola Hansen")

    for query in (second.serial, second.hpr_number, "hansen"):
        body = client.get("/admin/attestations/", {"q": query}).content.decode()
        assert second.serial in body, query
        assert first.serial not in body, query


def test_the_inspect_page_shows_the_snapshot_and_what_replaced_it(client, programme_with_bank):
    old = attested(programme_with_bank)
    Attestation.objects.filter(pk=old.pk).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=5)
    )
    new = pass_quiz(old.user, programme_with_bank)  # renewal window: a pass supersedes
    client.force_login(officer())

    old_page = client.get(f"/admin/attestations/inspect/{old.pk}/").content.decode()
    new_page = client.get(f"/admin/attestations/inspect/{new.pk}/").content.decode()

    assert fresh(old).state == Attestation.State.SUPERSEDED
    for value in (old.serial, old.holder_name, old.hpr_number, old.programme_title, old.product):
        assert value in old_page
    assert new.serial in old_page
    assert old.serial in new_page
    assert f"/admin/attestations/revoke/{old.pk}/" not in old_page
    assert f"/admin/attestations/revoke/{new.pk}/" in new_page


@pytest.mark.parametrize(
    ("utc", "oslo"),
    [
        (datetime.datetime(2026, 11, 26, 14, 59, tzinfo=datetime.UTC), "2026-11-26 15:59"),  # CET
        (datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC), "2026-07-01 00:30"),  # CEST
    ],
)
def test_the_inspect_page_shows_when_the_quiz_attempt_started_in_local_time(
    client, programme_with_bank, utc, oslo
):
    attestation = attested(programme_with_bank)
    Attempt.objects.filter(pk=attestation.attempt_id).update(started_at=utc)
    client.force_login(officer())

    page = client.get(f"/admin/attestations/inspect/{attestation.pk}/").content.decode()

    attempt = Attempt.objects.get(pk=attestation.attempt_id)
    assert str(attempt) == f"{attestation.user} · {oslo}"
    assert f"· {oslo}" in page
    assert f"{utc:%Y-%m-%d %H:%M}" not in page


def test_a_failed_pdf_can_be_rendered_again(client, programme_with_bank, django_capture_on_commit_callbacks):
    attestation = attested(programme_with_bank)
    Attestation.objects.filter(pk=attestation.pk).update(
        pdf_status=Attestation.PdfStatus.FAILED, pdf_attempts=5, pdf_error="OSError: font missing"
    )
    client.force_login(officer())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/attestations/render/{attestation.pk}/")

    assert response.status_code == 302
    row = fresh(attestation)
    assert row.pdf_status == Attestation.PdfStatus.READY
    assert row.pdf_error == ""
    record = client.get(f"/admin/attestations/inspect/{attestation.pk}/").content.decode()
    assert f"/attestations/{attestation.pk}/pdf/" in record


def test_a_revoked_attestations_pdf_is_neither_offered_nor_rendered_again(
    client, programme_with_bank, django_capture_on_commit_callbacks
):
    attestation = attested(programme_with_bank)
    Attestation.objects.filter(pk=attestation.pk).update(
        pdf_status=Attestation.PdfStatus.FAILED, state=Attestation.State.REVOKED, revoked_at=timezone.now()
    )
    client.force_login(officer())
    record = client.get(f"/admin/attestations/inspect/{attestation.pk}/").content.decode()
    assert f"/admin/attestations/render/{attestation.pk}/" not in record

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/attestations/render/{attestation.pk}/")
    assert fresh(attestation).pdf_status == Attestation.PdfStatus.FAILED


# Revocation ----------------------------------------------------------------------------------------


def test_revoking_without_a_reason_changes_nothing(
    client, programme_with_bank, django_capture_on_commit_callbacks
):
    attestation = attested(programme_with_bank)
    client.force_login(officer())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        blank = client.post(f"/admin/attestations/revoke/{attestation.pk}/", {"reason": "   "})
        missing = client.post(f"/admin/attestations/revoke/{attestation.pk}/", {})
        invisible = client.post(f"/admin/attestations/revoke/{attestation.pk}/", {"reason": "\u200b \u2060"})

    for response in (blank, missing, invisible):
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
    row = fresh(attestation)
    assert row.state == Attestation.State.ACTIVE
    assert row.revoked_at is None
    assert mail.outbox == []
    assert selectors.attestation_status(user=attestation.user, programme=programme_with_bank).code == "valid"


def test_revoking_with_a_reason_revokes_emails_the_holder_and_is_public_at_once(
    client, programme_with_bank, django_capture_on_commit_callbacks
):
    attestation = attested(programme_with_bank)
    compliance = officer()
    client.force_login(compliance)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/attestations/revoke/{attestation.pk}/", {"reason": "HPR authorisation withdrawn"}
        )

    assert response.status_code == 302
    assert response["Location"] == f"/admin/attestations/inspect/{attestation.pk}/"
    row = fresh(attestation)
    assert row.state == Attestation.State.REVOKED
    assert row.revoked_by == compliance
    assert row.revocation_reason == "HPR authorisation withdrawn"
    assert [m.to for m in mail.outbox] == [[attestation.user.email]]
    assert "HPR authorisation withdrawn" in mail.outbox[0].body
    assert (
        selectors.attestation_status(user=attestation.user, programme=programme_with_bank).code == "revoked"
    )
    client.logout()
    verify = client.get(f"/en/verify/{attestation.verification_code}/").content.decode()
    assert "Revoked" in verify
    assert "may not initiate treatment" in verify


def test_a_revoked_attestation_offers_no_second_revocation(client, programme_with_bank):
    attestation = attested(programme_with_bank)
    services.attestation_revoke(attestation=attestation, by=factories.ComplianceFactory(), reason="Fraud")
    client.force_login(officer())

    page = client.get(f"/admin/attestations/revoke/{attestation.pk}/").content.decode()
    client.post(f"/admin/attestations/revoke/{attestation.pk}/", {"reason": "Again"})

    assert "already revoked" in page
    assert 'name="reason"' not in page
    assert fresh(attestation).revocation_reason == "Fraud"


# Treatment initiations ---------------------------------------------------------------------------


def test_compliance_reads_treatment_initiations_and_refusals(client, programme_with_bank):
    attestation = attested(programme_with_bank)
    for outcome, status, reference in (
        (TreatmentInitiation.Outcome.RECORDED, "valid", "PAS-0042"),
        (TreatmentInitiation.Outcome.REFUSED, "expired", ""),
    ):
        TreatmentInitiation.objects.create(
            user=attestation.user,
            programme=programme_with_bank,
            programme_key=programme_with_bank.translation_key,
            attestation=attestation,
            outcome=outcome,
            status=status,
            patient_reference=reference,
            language="en",
        )
    recorded = TreatmentInitiation.objects.get(outcome="recorded")
    client.force_login(officer())

    listing = client.get("/admin/treatment-initiations/").content.decode()
    refused_only = client.get("/admin/treatment-initiations/", {"outcome": "refused"}).content.decode()
    record = client.get(f"/admin/treatment-initiations/inspect/{recorded.pk}/")

    assert "PAS-0042" in listing
    assert "Recorded" in listing and "Refused" in listing
    assert attestation.holder_name in listing
    assert "PAS-0042" not in refused_only
    assert record.status_code == 200
    assert "PAS-0042" in record.content.decode()


def test_the_register_names_the_programme_in_the_readers_language(client, programme_with_bank):
    """A Norwegian holder's row reads in English for an officer who reads the admin in English;
    the attested title, in the holder's language, stays on the attestation itself."""
    from courses.models import ProgrammePage
    from quizzes.models import Question

    english = factories.programme(code="en", slug=programme_with_bank.slug, source=programme_with_bank)
    factories.translate_bank(Question.objects.filter(locale=programme_with_bank.locale), english)
    ProgrammePage.objects.filter(pk=english.pk).update(title="Lemtrada training (English)")
    attestation = attested(programme_with_bank)
    assert attestation.programme_title == programme_with_bank.title
    client.force_login(officer())

    page = client.get("/admin/attestations/").content.decode()
    assert "Lemtrada training (English)" in page  # the row and the filter's choice
    assert programme_with_bank.title not in page
    inspect = client.get(f"/admin/attestations/inspect/{attestation.pk}/").content.decode()
    assert programme_with_bank.title in inspect
