"""Two submits of the same attempt at once (two tabs, a double click) score it once.

Real concurrent requests in separate threads and database connections; PostgreSQL only,
since SQLite serialises every write anyway.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from certificates.models import Attestation, AttestationDocument
from quizzes.models import Attempt, AttemptChoice
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _in_parallel(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _submit_one_passing_attempt_six_times(*, language="nb", **programme_fields):
    """A prescriber passes one attempt from six connections at once; returns (user, attempt, statuses)."""
    user = factories.PrescriberFactory()
    page = factories.programme(**programme_fields)
    factories.question_bank(page, topics=3, per_topic=2)
    factories.read_all(user, page)
    starter = Client()
    starter.force_login(user)
    starter.post(f"/{language}/quiz/{page.slug}/start/")
    attempt = Attempt.objects.get(user=user)
    data = factories.as_post(factories.correct_answers(attempt))

    def submit(_index):
        client = Client()
        client.force_login(user)
        return client.post(f"/{language}/quiz/attempt/{attempt.pk}/", data).status_code

    return user, attempt, _in_parallel(6, submit)


def test_concurrent_submits_of_one_attempt_score_it_once():
    _user, attempt, statuses = _submit_one_passing_attempt_six_times()

    assert all(status == 302 for status in statuses), statuses
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.passed
    assert AttemptChoice.objects.filter(item__attempt=attempt).count() == attempt.question_count


def test_concurrent_passing_submits_of_one_attempt_issue_exactly_one_attestation():
    user, attempt, statuses = _submit_one_passing_attempt_six_times(language="en", attestation_prefix="LEM")

    assert all(status == 302 for status in statuses), statuses
    attestations = list(Attestation.objects.filter(user=user))
    assert len(attestations) == 1
    assert attestations[0].attempt_id == attempt.pk
    assert attestations[0].state == Attestation.State.ACTIVE
    assert attestations[0].pdf_status == Attestation.PdfStatus.READY
    assert AttestationDocument.objects.filter(attestation__user=user).count() == 1
    assert attestations[0].serial.endswith("-000001")


def test_concurrent_starts_open_a_single_attempt():
    user = factories.PrescriberFactory()
    page = factories.programme()
    factories.question_bank(page, topics=2, per_topic=2)
    factories.read_all(user, page)

    def start(_index):
        client = Client()
        client.force_login(user)
        return client.post(f"/nb/quiz/{page.slug}/start/").status_code

    statuses = _in_parallel(5, start)
    assert all(status == 302 for status in statuses), statuses
    assert Attempt.objects.filter(user=user).count() == 1
