"""The effectiveness report: figures on a known data set (worked out by hand below), a query
count that does not grow with the data, who may see it, and its PDF."""

import datetime
import shutil
import subprocess
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from audit.models import AuditEvent
from certificates.models import Attestation, TreatmentInitiation
from compliance.report import effectiveness_report, median_of_counts
from courses.models import ContentChange, LessonPage, LessonProgress
from quizzes.models import Attempt, AttemptQuestion, Question
from tests import factories

pytestmark = pytest.mark.django_db

FROM = datetime.date(2025, 1, 1)
TO = datetime.date(2025, 12, 31)
TODAY = datetime.date(2026, 1, 10)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def prescriber(joined: datetime.date, **fields):
    user = factories.PrescriberFactory(**fields)
    type(user).objects.filter(pk=user.pk).update(date_joined=at(joined))
    return user


def read(user, programme, count=None):
    lessons = list(LessonPage.objects.child_of(programme).order_by("path"))[:count]
    LessonProgress.objects.bulk_create(
        LessonProgress(user=user, programme_key=programme.translation_key, lesson_key=lesson.translation_key)
        for lesson in lessons
    )


def attempt(user, programme, *, ended: datetime.date, answers=(), passed=None, status="submitted"):
    """A submitted attempt whose snapshot holds ``answers``: (question key, right or not) pairs."""
    bank = Question.objects.filter(topic__programme=programme).select_related("topic")
    questions = {q.key: q for q in bank}
    made = Attempt.objects.create(
        user=user,
        programme=programme,
        programme_key=programme.translation_key,
        language="nb",
        status=status,
        started_at=at(ended, 10),
        expires_at=at(ended, 12),
        ended_at=at(ended, 11) if status == "submitted" else None,
        pass_mark=80,
        question_count=len(answers),
        correct_count=sum(1 for _key, right in answers if right),
        passed=passed,
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=made,
            position=n,
            question=questions[key],
            question_key=questions[key].translation_key,
            topic_key=questions[key].topic.translation_key,
            topic_name=questions[key].topic.name,
            topic_order=questions[key].topic.sort_order,
            kind=questions[key].kind,
            text=questions[key].text,
            rationale="",
            critical=False,
            options=[],
            correct_option_ids=[],
            is_correct=right,
        )
        for n, (key, right) in enumerate(answers, start=1)
    )
    return made


def pattern(bits: str, keys=("q1-1", "q1-2", "q2-1", "q2-2", "q3-1", "q3-2")):
    return [(key, bit == "1") for key, bit in zip(keys, bits, strict=True)]


def attestation(user, programme, *, valid_until, state="active", change=None, made=None, **fields):
    """An attestation, on ``made`` or on a fresh submitted attempt from 2024 (outside the period)."""
    made = made or attempt(user, programme, ended=datetime.date(2024, 6, 1), passed=True)
    return Attestation.objects.create(
        serial=f"T-{uuid.uuid4().hex[:12]}",
        user=user,
        programme=programme,
        programme_key=programme.translation_key,
        attempt=made,
        content_version=1,
        language="nb",
        holder_name=user.full_name,
        hpr_number=user.hpr_number or "",
        programme_title=programme.title,
        product=programme.product,
        issued_at=made.ended_at or at(datetime.date(2024, 6, 1)),
        valid_until=valid_until,
        state=state,
        revoked_at=at(datetime.date(2025, 9, 1)) if state == "revoked" else None,
        renewal_change=change,
        renewal_required_from=change.published_at + datetime.timedelta(days=30) if change else None,
        **fields,
    )


def renew(old, *, on: datetime.date):
    Attestation.objects.filter(pk=old.pk).update(
        state="superseded", superseded_at=at(on), valid_until=TODAY + datetime.timedelta(days=10)
    )
    new = attestation(old.user, old.programme, valid_until=datetime.date(2027, 6, 1))
    Attestation.objects.filter(pk=old.pk).update(superseded_by=new)
    return new


def change(programme, *, published: datetime.date, material=True, version=None):
    return ContentChange.objects.create(
        programme_key=programme.translation_key,
        revision=programme.save_revision(),
        object_title=f"Endring {published}",
        material=material,
        summary="Ny kontroll",
        published_at=at(published),
        content_version=version,
    )


def initiation(user, programme, *, outcome, status, on: datetime.date, programme_key=None):
    made = TreatmentInitiation.objects.create(
        user=user,
        programme=programme,
        programme_key=programme_key or programme.translation_key,
        outcome=outcome,
        status=status,
        language="nb",
    )
    TreatmentInitiation.objects.filter(pk=made.pk).update(created_at=at(on))


def build(programme):
    """The known data set. Three lessons; topics t1–t3 with questions q1-1 … q3-3.

    Reach (signed up 2025: A, B, C, D, E; F, G, H signed up in 2024 do not count):
      A read 3, failed 10 Feb, passed 11 Feb; B read 3, an expired attempt then a pass;
      C read 3, failed; D read 2; E read none.
      registered 5, read every lesson 3 (A, B, C), submitted 3 (A, B, C), passed 2 (A, B);
      first submitted attempt passed: B only -> 1 of 3.

    Knowledge (attempts prescribers submitted in 2025: A1, A2, B, C, F; G's of 2024 and the
    Medical affairs user's are left out). Right (1) or wrong (0):
                q1-1 q1-2 q1-3 q2-1 q2-2 q3-1 q3-2
      A1         1    0         1    0    0    0
      A2         1    1         1    1    1    0
      B          1    1         1    1    1    1
      C          1         0    1    1    0    0
      F          1    1         1    1    1    1
      t1: 5 + 3 + 0 = 8 of 10 (80 %); t2: 5 + 4 = 9 of 10 (90 %); t3: 3 + 2 = 5 of 10 (50 %);
      30 answers. Weakest: q1-3 0 of 1, q3-2 2 of 5, q3-1 3 of 5, q1-2 3 of 4, q2-2 4 of 5.

    Behaviour (2025): recorded 3 (A twice, B); refused 2 (D "none", C "expired"). Left out: a
    recording of 2024 and a refusal under another programme.

    Expiring (today 10 Jan 2026): valid A +15 days, K1 today, B +50, K2 +90 -> within 30: 2
    (A, K1), within 90: 4. Not counted: K3 +91, F expired, G revoked, H's HPR number unconfirmed,
    R4 renewal required, R1–R3 replaced, the other programme's.

    Renewal: material change published 1 Jun 2025 (grace 30 days: due 1 Jul) required R1–R5;
    R1 renewed after 10 days, R2 after 20 (both before 1 Jul), R3 after 60; R4 not renewed,
    R5 revoked -> required 5, renewed 3 (60 %), before the date 2, median 20 days. The change of
    2024 (R6) and a non-material change of 2025 are not listed.
    """
    d = datetime.date
    a, b, c = prescriber(d(2025, 2, 1)), prescriber(d(2025, 3, 1)), prescriber(d(2025, 4, 1))
    dd = prescriber(d(2025, 5, 1))
    prescriber(d(2025, 6, 1))  # E: signed up, read nothing
    f, g = prescriber(d(2024, 12, 31)), prescriber(d(2024, 1, 1))
    h = prescriber(d(2024, 1, 1), hpr_verified_at=None)
    staff = factories.MedicalAffairsFactory()
    for user in (a, b, c, f):
        read(user, programme)
    read(dd, programme, count=2)

    attempt(a, programme, ended=d(2025, 2, 10), answers=pattern("101000"), passed=False)
    a2 = attempt(a, programme, ended=d(2025, 2, 11), answers=pattern("111110"), passed=True)
    attempt(b, programme, ended=d(2025, 3, 4), status="expired")
    b1 = attempt(b, programme, ended=d(2025, 3, 5), answers=pattern("111111"), passed=True)
    keys_c = ("q1-1", "q1-3", "q2-1", "q2-2", "q3-1", "q3-2")
    attempt(c, programme, ended=d(2025, 4, 5), answers=pattern("101100", keys_c), passed=False)
    f1 = attempt(f, programme, ended=d(2025, 1, 5), answers=pattern("111111"), passed=True)
    attempt(g, programme, ended=d(2024, 12, 20), answers=pattern("000000"), passed=False)
    attempt(staff, programme, ended=d(2025, 5, 5), answers=pattern("000000"), passed=False)

    other = factories.programme(slug="annen", lessons=0)
    days = datetime.timedelta
    attestation(a, programme, valid_until=TODAY + days(15), made=a2)
    attestation(b, programme, valid_until=TODAY + days(50), made=b1)
    attestation(f, programme, valid_until=TODAY - days(5), made=f1)
    attestation(g, programme, valid_until=TODAY + days(10), state="revoked")
    attestation(h, programme, valid_until=TODAY + days(5))
    attestation(g, other, valid_until=TODAY + days(5))
    for offset in (0, 90, 91):
        attestation(prescriber(d(2024, 1, 1)), programme, valid_until=TODAY + days(offset))

    old_change = change(programme, published=d(2024, 10, 1), version=2)
    new_change = change(programme, published=d(2025, 6, 1), version=3)
    change(programme, published=d(2025, 7, 1), material=False)
    r = [
        attestation(prescriber(d(2024, 1, 1)), programme, valid_until=TODAY + days(20), change=new_change)
        for _n in range(5)
    ]
    renew(r[0], on=d(2025, 6, 11))
    renew(r[1], on=d(2025, 6, 21))
    renew(r[2], on=d(2025, 7, 31))
    Attestation.objects.filter(pk=r[4].pk).update(state="revoked", revoked_at=at(d(2025, 8, 1)))
    attestation(prescriber(d(2024, 1, 1)), programme, valid_until=TODAY + days(200), change=old_change)

    recorded, refused = TreatmentInitiation.Outcome.RECORDED, TreatmentInitiation.Outcome.REFUSED
    initiation(a, programme, outcome=recorded, status="valid", on=d(2025, 3, 1))
    initiation(a, programme, outcome=recorded, status="valid", on=d(2025, 8, 1))
    initiation(b, programme, outcome=recorded, status="valid", on=d(2025, 4, 1))
    initiation(dd, programme, outcome=refused, status="none", on=d(2025, 5, 2))
    initiation(c, programme, outcome=refused, status="expired", on=d(2025, 6, 2))
    initiation(a, programme, outcome=recorded, status="valid", on=d(2024, 12, 1))
    initiation(dd, other, outcome=refused, status="none", on=d(2025, 5, 2))
    return {"new_change": new_change}


@pytest.fixture(scope="module")
def known(django_db_setup, django_db_blocker):
    """The small programme of ``programme_with_bank`` (conftest) and the known data set, built once per
    module (rolled back when the module ends; each test's own changes roll back after it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        page = factories.programme(questions_per_topic=2)
        factories.question_bank(page, topics=3, per_topic=3)
        yield page, build(page)
        transaction.set_rollback(True)


@pytest.fixture
def bank_programme(known, db):
    return known[0]


@pytest.fixture
def data(known, db):
    return known[1]


def report_for(programme):
    return effectiveness_report(programme=programme, date_from=FROM, date_to=TO, today=TODAY, language="nb")


def test_reach_counts_the_prescribers_who_signed_up_in_the_period(bank_programme, data):
    reach = report_for(bank_programme).reach

    assert (reach.registered, reach.read_all, reach.attempted, reach.passed) == (5, 3, 3, 2)
    assert reach.required_lessons == 3
    assert (reach.first_attempt_pass_rate.count, reach.first_attempt_pass_rate.total) == (1, 3)
    assert reach.first_attempt_pass_rate.percent == 33


def test_knowledge_per_topic_and_weakest_questions_come_from_prescribers_attempts_in_the_period(
    bank_programme, data
):
    report = report_for(bank_programme)

    assert [(t.name, t.correct.count, t.correct.total) for t in report.topics] == [
        ("Emne 1", 8, 10),
        ("Emne 2", 9, 10),
        ("Emne 3", 5, 10),
    ]
    assert report.answers == 30
    assert [(q.text, q.topic_name, q.correct.count, q.correct.total) for q in report.weakest] == [
        ("Spørsmål 1.3", "Emne 1", 0, 1),
        ("Spørsmål 3.2", "Emne 3", 2, 5),
        ("Spørsmål 3.1", "Emne 3", 3, 5),
        ("Spørsmål 1.2", "Emne 1", 3, 4),
        ("Spørsmål 2.2", "Emne 2", 4, 5),
    ]
    assert report.weakest[0].few_answers


def test_behaviour_counts_recorded_initiations_and_refusals_in_the_period(bank_programme, data):
    behaviour = report_for(bank_programme).behaviour

    assert (behaviour.recorded, behaviour.refused) == (3, 2)
    assert behaviour.refused_by_status == {"expired": 1, "none": 1}


def test_only_valid_attestations_count_as_expiring(bank_programme, data):
    assert report_for(bank_programme).expiring == {30: 2, 90: 4}


def test_renewal_after_a_material_change_published_in_the_period(bank_programme, data):
    renewals = report_for(bank_programme).renewals

    assert len(renewals) == 1
    renewal = renewals[0]
    assert renewal.change_id == data["new_change"].pk
    assert (renewal.required, renewal.renewed, renewal.renewed_in_time) == (5, 3, 2)
    assert renewal.renewed_share.percent == 60
    assert renewal.median_days == 20


def test_median_of_counts_takes_the_middle_one_or_the_mean_of_the_two():
    assert median_of_counts([(10, 1), (20, 1), (60, 1)]) == 20
    assert median_of_counts([(60, 1), (10, 2), (20, 1)]) == 15
    assert median_of_counts([(3, 4)]) == 3
    assert median_of_counts([]) is None


def test_query_count_does_not_grow_with_the_number_of_prescribers(bank_programme, data):
    with CaptureQueriesContext(connection) as small:
        report_for(bank_programme)
    for n in range(4):
        user = prescriber(datetime.date(2025, 9, 1 + n))
        read(user, bank_programme)
        made = attempt(user, bank_programme, ended=datetime.date(2025, 9, 2 + n), answers=pattern("110110"))
        old = attestation(user, bank_programme, valid_until=TODAY + datetime.timedelta(days=5), made=made)
        Attestation.objects.filter(pk=old.pk).update(renewal_change=data["new_change"])
        renew(old, on=datetime.date(2025, 9, 10 + n))
        initiation(user, bank_programme, outcome="recorded", status="valid", on=datetime.date(2025, 9, 3))
    with CaptureQueriesContext(connection) as large:
        bigger = report_for(bank_programme)

    assert bigger.reach.registered == 9  # the data did grow
    assert len(large.captured_queries) == len(small.captured_queries)


# The admin page and the PDF ------------------------------------------------------------------


def english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def report_url(programme, **params):
    query = {"programme": programme.pk, "date_from": FROM.isoformat(), "date_to": TO.isoformat(), **params}
    return reverse("effectiveness_report") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_compliance_officer_sees_the_report_with_its_charts_and_figures(client, bank_programme, data):
    client.force_login(english(factories.ComplianceFactory()))

    response = client.get(report_url(bank_programme))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 4
    assert "Reach: from sign-up to a pass" in body
    assert "Registered prescribers" in body
    assert "33 % (1 of the 3 who submitted an attempt passed at their first one)" in body
    assert "Spørsmål 1.3" in body
    assert reverse("effectiveness_report_pdf") in body


def test_the_default_report_covers_the_last_twelve_months(client, bank_programme):
    client.force_login(english(factories.ComplianceFactory()))

    response = client.get(reverse("effectiveness_report"))

    today = timezone.localdate()
    report = response.context["report"]
    assert report.programme == bank_programme
    assert report.date_to == today
    assert (today - report.date_from).days in (365, 366) or report.date_from.year == today.year - 1


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(client, bank_programme):
    client.force_login(english(factories.ComplianceFactory()))

    response = client.get(report_url(bank_programme, date_from="2025-06-01", date_to="2025-05-01"))

    assert response.status_code == 200
    assert "report" not in response.context
    assert "is before its start" in response.content.decode()

    pdf = report_url(bank_programme, date_from="2025-06-01", date_to="2025-05-01").replace(
        reverse("effectiveness_report"), reverse("effectiveness_report_pdf")
    )
    response = client.get(pdf, follow=True)
    assert response.status_code == 200
    assert "is before its start" in response.content.decode()  # back on the page, with the message


def test_medical_affairs_are_refused_and_prescribers_get_the_403_page(client, bank_programme):
    url = report_url(bank_programme)
    pdf_url = reverse("effectiveness_report_pdf")
    client.force_login(factories.MedicalAffairsFactory())
    for address in (url, pdf_url):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].rstrip("/").endswith("/admin")

    client.force_login(factories.PrescriberFactory())
    response = client.get(url, follow=True)
    assert response.status_code == 403


def test_the_menu_shows_the_report_to_compliance_officers_only(client, bank_programme):
    client.force_login(english(factories.ComplianceFactory()))
    assert reverse("effectiveness_report") in client.get(reverse("wagtailadmin_home")).content.decode()

    client.force_login(english(factories.MedicalAffairsFactory()))
    assert reverse("effectiveness_report") not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_holds_the_same_figures_and_its_download_is_recorded(client, bank_programme, data, tmp_path):
    officer = english(factories.ComplianceFactory(full_name="Kari Kontroll"))
    client.force_login(officer)
    url = reverse("effectiveness_report_pdf") + "?" + report_url(bank_programme).split("?", 1)[1]

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    command = ["pdftotext", "-layout", str(path), "-"]
    text = subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603
    assert bank_programme.title in text
    assert "Kari Kontroll" in text
    assert "33 % (1 of the 3 who submitted an attempt passed at their first one)" in " ".join(text.split())
    event = AuditEvent.objects.filter(action="report.downloaded").get()
    assert event.actor_id == officer.pk
    assert event.payload["date_from"] == "2025-01-01"
    assert event.payload["programme_key"] == str(bank_programme.translation_key)


def test_an_officer_reading_the_admin_in_norwegian_gets_the_same_report(client, bank_programme, data):
    client.force_login(factories.ComplianceFactory())  # no preference: the admin's default, nb

    response = client.get(report_url(bank_programme))

    assert response.status_code == 200
    assert response.context["report"].reach.registered == 5
    assert '<html lang="nb"' in response.content.decode()
