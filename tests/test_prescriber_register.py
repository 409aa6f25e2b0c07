"""The prescribers register (Compliance officers, Wagtail admin): filters and search find the
right people; a prescriber's page shows their HPR state, progress, attempts, attestations and
history; the export holds exactly the filtered rows and is recorded; only Compliance officers
get in; the list costs the same number of queries for 2 prescribers or 10."""

import csv
import datetime
import hashlib
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from certificates import services as certificate_services
from certificates.models import Attestation
from compliance.models import ExportRecord
from lms import identity
from lms.models import User
from quizzes.models import Attempt
from tests import factories
from tests.test_attestation_lifecycle import attested, officer, status_tags
from tests.test_permission_matrix import _answer

pytestmark = pytest.mark.django_db

INSPECT_LINK = re.compile(r'href="/admin/prescribers/inspect/(\d+)/"')


def _fresh(user):
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people(programme_with_bank):
    """alice: confirmed, valid attestation. bob: attested but his HPR number awaits confirmation,
    another profession and workplace. carol: no HPR number, signed up in 2020. dave: confirmed,
    attestation revoked. Plus staff, who are no prescribers."""
    alice = attested(programme_with_bank).user
    bob = attested(programme_with_bank).user
    User.objects.filter(pk=bob.pk).update(
        hpr_verified_at=None,
        hpr_verification_method="",
        profession=User.Profession.OTHER,
        profession_other="Sykepleier",
        workplace="Ullevål sykehus",
    )
    carol = factories.PrescriberFactory(hpr_number=None, hpr_verified_at=None, full_name="Carol Nilsen")
    User.objects.filter(pk=carol.pk).update(
        date_joined=timezone.make_aware(datetime.datetime(2020, 3, 1, 12, 0))
    )
    revoked = attested(programme_with_bank)
    certificate_services.attestation_revoke(
        attestation=revoked, by=factories.ComplianceFactory(), reason="Feil"
    )
    factories.MedicalAffairsFactory()
    return {"alice": _fresh(alice), "bob": _fresh(bob), "carol": _fresh(carol), "dave": _fresh(revoked.user)}


def _listed(client, **params) -> set[int]:
    response = client.get(reverse("prescribers:index"), params)
    assert response.status_code == 200
    return {int(pk) for pk in INSPECT_LINK.findall(response.content.decode())}


def _ids(people, *names) -> set[int]:
    return {people[name].pk for name in names}


def test_filters_find_the_right_prescribers(client, people, programme_with_bank):
    other = factories.programme(slug="annen", lessons=1, title="Annen medisin")
    client.force_login(officer())

    assert _listed(client) == _ids(people, "alice", "bob", "carol", "dave")  # no staff
    assert _listed(client, hpr="confirmed") == _ids(people, "alice", "dave")
    assert _listed(client, hpr="awaiting") == _ids(people, "bob")
    assert _listed(client, hpr="none") == _ids(people, "carol")
    assert _listed(client, profession="other") == _ids(people, "bob")
    assert _listed(client, workplace="ULLEV") == _ids(people, "bob")
    assert _listed(client, date_joined_to="2020-12-31") == _ids(people, "carol")
    assert _listed(client, date_joined_from=timezone.localdate().isoformat()) == _ids(
        people, "alice", "bob", "dave"
    )
    # Valid means what certificates says: bob's is not (HPR number unconfirmed), dave's is revoked.
    assert _listed(client, valid_attestation="yes") == _ids(people, "alice")
    assert _listed(client, valid_attestation="no") == _ids(people, "bob", "carol", "dave")
    assert _listed(client, valid_attestation=f"yes-{programme_with_bank.pk}") == _ids(people, "alice")
    assert _listed(client, valid_attestation=f"yes-{other.pk}") == set()
    assert _listed(client, valid_attestation=f"no-{other.pk}") == _ids(
        people, "alice", "bob", "carol", "dave"
    )


def test_search_finds_by_name_email_and_an_hpr_number_typed_loosely(client, people):
    client.force_login(officer())
    alice = people["alice"]
    assert _listed(client, q="Carol Nil") == _ids(people, "carol")
    assert _listed(client, q=alice.email.upper()) == _ids(people, "alice")
    loose = "0 " + alice.hpr_number[:3] + " " + alice.hpr_number[3:]  # leading zero and spaces
    assert _listed(client, q=loose) == _ids(people, "alice")


def test_the_list_shows_hpr_state_and_attestation_status(client, people):
    client.force_login(officer())
    body = client.get(reverse("prescribers:index"), {"hpr": "awaiting"}).content.decode()
    assert "Awaiting confirmation" in body
    assert "HPR number not yet confirmed" in body  # bob's attestation status
    assert reverse("hpr_verification:confirm", args=[people["bob"].pk]) in body


def test_the_prescribers_page_shows_progress_attempts_attestations_and_hpr_state(client, people):
    bob = people["bob"]
    attestation = Attestation.objects.get(user=bob)
    attempt = Attempt.objects.get(user=bob)
    client.force_login(officer())

    body = client.get(reverse("prescribers:inspect", args=[bob.pk])).content.decode()

    assert "Sykepleier" in body and "Ullevål sykehus" in body
    assert "Awaiting confirmation" in body
    assert reverse("hpr_verification:confirm", args=[bob.pk]) in body
    assert "3 of 3 lessons read" in body
    assert f"{attempt.score_percent} % ({attempt.correct_count}/{attempt.question_count})" in body
    assert "Passed" in body
    assert reverse("attestations:inspect", args=[attestation.pk]) in body and attestation.serial in body
    assert "HPR number not yet confirmed" in body  # the attestation's status today
    assert "attestation.issued" in body and "attempt.submitted" in body  # the history
    assert "Forklaring" not in body  # no rationale or answer key


def test_a_confirmation_shows_who_confirmed_when_and_the_note(client, people):
    bob = people["bob"]
    compliance = officer()
    identity.hpr_verify(
        user=bob, method=User.HprVerification.COMPLIANCE, by=compliance, note="Sjekket i HPR 3. mars"
    )
    client.force_login(compliance)

    body = client.get(reverse("prescribers:inspect", args=[bob.pk])).content.decode()

    assert _fresh(bob).hpr_verified_by == compliance
    assert "Confirmed" in status_tags(body) and "Confirmed by a Compliance officer" in body
    assert compliance.get_full_name() in body and "Sjekket i HPR 3. mars" in body
    assert reverse("hpr_verification:confirm", args=[bob.pk]) not in body
    assert "identity.hpr_verified" in body


def test_someone_who_is_no_prescriber_is_not_in_the_register(client, people):
    compliance = officer()
    client.force_login(compliance)
    assert client.get(reverse("prescribers:inspect", args=[people["carol"].pk])).status_code == 200
    # Not found (Django's locale middleware first tries the address under /nb/, not found either).
    response = client.get(reverse("prescribers:inspect", args=[compliance.pk]), follow=True)
    assert response.status_code == 404 and compliance.email not in response.content.decode()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_export_holds_exactly_the_filtered_rows_and_is_recorded(client, people):
    user = officer()
    client.force_login(user)

    response = client.get(reverse("prescribers:index"), {"hpr": "awaiting", "export": "csv"})

    body = _body(response)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Name", "E-mail address", "Profession", "HPR number"]
    assert [row[1] for row in rows[1:]] == [people["bob"].email]
    bob_row = rows[1]
    assert bob_row[4] == "awaiting" and bob_row[9] == "0"
    serial = Attestation.objects.get(user=people["bob"]).serial
    assert f"identity_unverified, {serial}" in bob_row[10]
    record = ExportRecord.objects.get()
    assert (record.user, record.register, record.row_count) == (user, "prescribers", 1)
    assert record.filters == {"hpr": "awaiting"}
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    event = AuditEvent.objects.get(action="export.created")
    assert (
        event.actor_id == user.pk
        and event.payload["register"] == "prescribers"
        and event.payload["rows"] == 1
    )


def test_the_xlsx_export_opens_with_the_filtered_rows(client, people):
    client.force_login(officer())
    response = client.get(reverse("prescribers:index"), {"valid_attestation": "yes", "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(_body(response))).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == people["alice"].email and rows[1][9] == "1"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (None, "login"),
        (factories.PrescriberFactory, "403"),
        (factories.MedicalAffairsFactory, "home"),
        (officer, "200"),
    ],
)
def test_only_compliance_officers_see_the_register(client, db, make, expected):
    prescriber = factories.PrescriberFactory()
    if make is not None:
        client.force_login(make())
    urls = [
        reverse("prescribers:index"),
        reverse("prescribers:inspect", args=[prescriber.pk]),
        reverse("prescribers:index") + "?export=csv",
    ]
    answers = [_answer(client, client.get(url, HTTP_ACCEPT_LANGUAGE="en")) for url in urls]
    assert answers == [expected] * 3
    assert ExportRecord.objects.exists() == (expected == "200")


def _attestation_for(user, programme, n):
    """An attestation made straight in the database (the quiz is not what is measured here)."""
    now = timezone.now()
    attempt = Attempt.objects.create(
        user=user,
        programme=programme,
        programme_key=programme.translation_key,
        language="nb",
        status=Attempt.Status.SUBMITTED,
        started_at=now,
        expires_at=now + datetime.timedelta(hours=2),
        ended_at=now,
        pass_mark=80,
        score=1.0,
        passed=True,
    )
    return Attestation.objects.create(
        serial=f"TST-2026-{n:06d}",
        user=user,
        programme=programme,
        programme_key=programme.translation_key,
        attempt=attempt,
        content_version=1,
        language="nb",
        holder_name=user.get_full_name(),
        hpr_number=user.hpr_number,
        programme_title=programme.title,
        product=programme.product,
        issued_at=now,
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )


def _index_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("prescribers:index"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_needs_the_same_number_of_queries_for_2_or_10_prescribers(client, programme):
    client.force_login(officer())
    for n in range(2):
        _attestation_for(factories.PrescriberFactory(), programme, n)
    _index_queries(client)  # the session's first admin request also notes the second factor
    with_two = _index_queries(client)
    for n in range(2, 10):
        _attestation_for(factories.PrescriberFactory(hpr_verified_at=None), programme, n)
    body = client.get(reverse("prescribers:index")).content.decode()
    assert len(set(INSPECT_LINK.findall(body))) == 10
    assert _index_queries(client) == with_two


def test_the_norwegian_admin_lists_and_searches_in_norwegian(client, db):
    """Wagtail's own Norwegian leaves list texts in English; the project's catalogue fills them."""
    from wagtail.users.models import UserProfile

    user = factories.ComplianceFactory()
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "nb"
    profile.save()
    client.force_login(user)

    body = client.get(reverse("prescribers:index"), {"q": "finnes-ikke"}).content.decode()

    assert "Ingen forskrivere passer med søket." in body
    assert "Filtrer etter" in body and "Gå til hovedinnholdet" in body
