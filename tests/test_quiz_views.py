"""The quiz in the browser's terms: what a prescriber sees, and what tampering gets."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.models import Attestation
from quizzes import services
from quizzes.models import Attempt, AttemptChoice, AttemptQuestion, Option
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(client, ready_prescriber, programme_with_bank):
    client.force_login(ready_prescriber)
    response = client.post(f"/nb/quiz/{programme_with_bank.slug}/start/")
    assert response.status_code == 302
    return Attempt.objects.get(user=ready_prescriber)


def _url(attempt):
    return f"/nb/quiz/attempt/{attempt.pk}/"


def _nothing_saved(attempt):
    attempt.refresh_from_db()
    return (
        attempt.status == "in_progress"
        and attempt.score is None
        and not AttemptChoice.objects.exists()
        and not AttemptQuestion.objects.filter(is_correct__isnull=False).exists()
    )


def test_quiz_page_explains_why_it_is_locked(client, prescriber, programme_with_bank):
    client.force_login(prescriber)
    body = client.get(f"/en/quiz/{programme_with_bank.slug}/").content.decode()
    assert "Read every lesson first: you have read 0 of 3." in body
    body = client.get(f"/nb/quiz/{programme_with_bank.slug}/").content.decode()
    assert "0 av 3" in body
    response = client.post(f"/nb/quiz/{programme_with_bank.slug}/start/")
    assert response.status_code == 403
    assert not Attempt.objects.exists()


def test_non_prescribers_are_told_only_prescribers_take_the_quiz(client, programme_with_bank):
    client.force_login(factories.ComplianceFactory())
    body = client.get(f"/en/quiz/{programme_with_bank.slug}/").content.decode()
    assert "Only registered prescribers can take the quiz." in body


def test_attempt_page_shows_the_snapshot_questions(client, attempt):
    body = client.get(_url(attempt)).content.decode()
    for item in attempt.items.all():
        assert item.text in body
        for option in item.options:
            assert f'value="{option["token"]}"' in body
            assert f'value="{option["id"]}"' not in body


def test_passing_shows_the_score_and_the_attestation_it_earned(client, attempt):
    response = client.post(_url(attempt), factories.as_post(factories.correct_answers(attempt)))
    assert response.status_code == 302
    assert response["Location"] == f"/nb/quiz/attempt/{attempt.pk}/result/"
    body = client.get(response["Location"]).content.decode()
    serial = Attestation.objects.get(attempt=attempt).serial
    assert "Bestått" in body
    assert "100 %" in body
    assert "Attestasjonen din er utstedt" in body
    assert serial in body


def test_failing_shows_missed_questions_with_links_to_lessons_and_topic_breakdown_but_no_rationales(
    client, attempt, programme_with_bank
):
    client.post(_url(attempt), factories.as_post(factories.correct_answers(attempt, wrong={1, 2})))
    response = client.get(f"/en/quiz/attempt/{attempt.pk}/result/")
    body = response.content.decode()
    assert "Not passed" in body
    assert "67 %" in body
    missed = attempt.items.filter(position__in=[1, 2])
    for item in missed:
        assert item.text in body
        assert item.rationale not in body  # answer review "after a pass" (the default)
    lesson_url = programme_with_bank.get_children().first().url
    assert f'href="{lesson_url}"' in body
    assert "You can start a new attempt now." in body
    assert [t.total for t in response.context["result"].topics] == [2, 2, 2]


def test_after_the_third_failure_the_result_says_when_the_next_attempt_opens(
    client, ready_prescriber, programme_with_bank
):
    client.force_login(ready_prescriber)
    for _ in range(3):
        client.post(f"/nb/quiz/{programme_with_bank.slug}/start/")
        current = Attempt.objects.get(user=ready_prescriber, status="in_progress")
        client.post(_url(current), factories.as_post(factories.correct_answers(current, wrong={1, 2, 3})))
    response = client.get(f"/en/quiz/attempt/{current.pk}/result/")
    assert response.context["next_step"].code == "cooldown"
    assert "Your next attempt opens on" in response.content.decode()
    refused = client.post(f"/en/quiz/{programme_with_bank.slug}/start/")
    assert refused.status_code == 403
    assert "The next attempt opens on" in refused.content.decode()


def _pass_after_failing(client, attempt, programme):
    """Fail ``attempt``, then pass a second one; returns the failed attempt, read again."""
    client.post(_url(attempt), factories.as_post(factories.correct_answers(attempt, wrong={1, 2})))
    client.post(f"/nb/quiz/{programme.slug}/start/")
    second = Attempt.objects.get(user=attempt.user, status="in_progress")
    client.post(_url(second), factories.as_post(factories.correct_answers(second)))
    assert Attempt.objects.get(pk=second.pk).passed is True
    failed = Attempt.objects.get(pk=attempt.pk)
    assert failed.passed is False
    return failed


def test_an_old_failed_result_after_a_pass_offers_no_new_attempt(client, attempt, programme_with_bank):
    """Its next step is the learner's situation now: the same answer the quiz page gives."""
    failed = _pass_after_failing(client, attempt, programme_with_bank)
    assert Attestation.objects.get(user=failed.user).state == Attestation.State.ACTIVE

    for lang, offer, back in (
        ("en", "You can start a new attempt now", "Back to the quiz"),
        ("nb", "Du kan starte et nytt forsøk nå", "Tilbake til quizen"),
    ):
        quiz_page = client.get(f"/{lang}/quiz/{programme_with_bank.slug}/")
        eligibility = quiz_page.context["eligibility"]
        assert not eligibility.ok and eligibility.code == "attested"
        body = client.get(f"/{lang}/quiz/attempt/{failed.pk}/result/").content.decode()
        assert offer not in body, lang
        assert back not in body, lang
        assert eligibility.reason in body, lang
    english = client.get(f"/en/quiz/attempt/{failed.pk}/result/").content.decode()
    assert "You hold a valid attestation, so the quiz offers no new attempt." in english
    assert client.post(f"/en/quiz/{programme_with_bank.slug}/start/").status_code == 403


def test_an_old_failed_result_offers_a_new_attempt_again_once_renewal_opens(
    client, attempt, programme_with_bank
):
    failed = _pass_after_failing(client, attempt, programme_with_bank)
    Attestation.objects.filter(user=failed.user).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=5)
    )

    assert client.get(f"/en/quiz/{programme_with_bank.slug}/").context["eligibility"].ok
    body = client.get(f"/en/quiz/attempt/{failed.pk}/result/").content.decode()
    assert "You can start a new attempt now" in body
    assert "Back to the quiz" in body


def test_missing_answers_are_refused_and_the_choices_kept(client, attempt):
    answers = factories.correct_answers(attempt)
    first = attempt.items.get(position=1)
    kept_option = answers[str(first.pk)][0]
    del answers[str(attempt.items.get(position=2).pk)]
    response = client.post(_url(attempt), factories.as_post(answers))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Svar på alle spørsmålene" in body or "Answer every question" in body
    assert f'value="{kept_option}" checked' in body
    assert _nothing_saved(attempt)


def test_made_up_option_ids_are_refused(client, attempt):
    answers = factories.correct_answers(attempt)
    first = attempt.items.get(position=1)
    answers[str(first.pk)] = ["999999"]
    response = client.post(_url(attempt), factories.as_post(answers))
    assert response.status_code == 400
    # Even the real id of the right option is no answer: the form carries per-attempt tokens.
    answers[str(first.pk)] = [str(first.correct_option_ids[0])]
    response = client.post(_url(attempt), factories.as_post(answers))
    assert response.status_code == 400
    assert _nothing_saved(attempt)


def test_option_ids_of_another_question_are_refused(client, attempt):
    answers = factories.correct_answers(attempt)
    first, second = attempt.items.get(position=1), attempt.items.get(position=2)
    answers[str(first.pk)] = [second.options[0]["token"]]
    response = client.post(_url(attempt), factories.as_post(answers))
    assert response.status_code == 400
    assert _nothing_saved(attempt)


def test_non_numeric_and_extra_fields_are_refused(client, attempt):
    answers = factories.correct_answers(attempt)
    first = attempt.items.get(position=1)
    answers[str(first.pk)] = ["'; DROP TABLE x;--"]
    assert client.post(_url(attempt), factories.as_post(answers)).status_code == 400
    answers = factories.correct_answers(attempt)
    answers["424242"] = [str(Option.objects.first().pk)]
    assert client.post(_url(attempt), factories.as_post(answers)).status_code == 400
    assert _nothing_saved(attempt)


def test_two_answers_to_a_single_choice_question_are_refused(client, attempt):
    answers = factories.correct_answers(attempt)
    first = attempt.items.get(position=1)
    answers[str(first.pk)] = [o["token"] for o in first.options[:2]]
    assert client.post(_url(attempt), factories.as_post(answers)).status_code == 400
    assert _nothing_saved(attempt)


def test_someone_elses_attempt_is_not_found(client, attempt, programme_with_bank):
    intruder = factories.PrescriberFactory()
    factories.read_all(intruder, programme_with_bank)
    client.force_login(intruder)
    assert client.get(_url(attempt)).status_code == 404
    assert (
        client.post(_url(attempt), factories.as_post(factories.correct_answers(attempt))).status_code == 404
    )
    assert client.get(f"/nb/quiz/attempt/{attempt.pk}/result/").status_code == 404
    assert _nothing_saved(attempt)


def test_a_submitted_attempt_is_scored_once(client, attempt):
    data = factories.as_post(factories.correct_answers(attempt))
    client.post(_url(attempt), data)
    wrong = factories.as_post(factories.correct_answers(attempt, wrong={1, 2, 3, 4, 5, 6}))
    response = client.post(_url(attempt), wrong)
    assert response.status_code == 409  # other answers: a stale window (test_quiz_attempt_page.py)
    attempt.refresh_from_db()
    assert attempt.passed and attempt.correct_count == 6
    assert AttemptChoice.objects.count() == 6


def test_an_expired_attempt_gets_a_clear_410(client, attempt):
    from datetime import timedelta

    from django.utils import timezone

    Attempt.objects.filter(pk=attempt.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(
        f"/en/quiz/attempt/{attempt.pk}/", factories.as_post(factories.correct_answers(attempt))
    )
    assert response.status_code == 410
    body = response.content.decode()
    assert "The time for this attempt ran out." in body
    assert 'class="quiz-form"' not in body  # no form to submit again
    assert client.get(_url(attempt)).status_code == 410
    assert _nothing_saved(attempt)


def _submit_queries(client, user, programme):
    client.force_login(user)
    client.post(f"/nb/quiz/{programme.slug}/start/")
    current = Attempt.objects.get(user=user, status="in_progress")
    answers = factories.correct_answers(current)
    with CaptureQueriesContext(connection) as ctx:
        services.attempt_submit(attempt_id=current.pk, user=user, answers=answers)
    return len(ctx.captured_queries)


def test_submitting_takes_the_same_number_of_queries_whatever_the_number_of_questions(client):
    # Different serial prefixes: each first pass creates its own serial counter.
    small = factories.programme(slug="small", lessons=1, questions_per_topic=1, attestation_prefix="SMA")
    factories.question_bank(small, topics=2, per_topic=1)
    large = factories.programme(slug="large", lessons=1, questions_per_topic=4, attestation_prefix="LAR")
    factories.question_bank(large, topics=5, per_topic=4, kinds=("single", "multiple", "true_false"))
    user_small, user_large = factories.PrescriberFactory(), factories.PrescriberFactory()
    factories.read_all(user_small, small)
    factories.read_all(user_large, large)
    assert _submit_queries(client, user_small, small) == _submit_queries(client, user_large, large)


def test_submit_query_count_is_fixed(
    client, ready_prescriber, programme_with_bank, django_assert_num_queries
):
    client.force_login(ready_prescriber)
    client.post(f"/nb/quiz/{programme_with_bank.slug}/start/")
    current = Attempt.objects.get(user=ready_prescriber)
    answers = factories.correct_answers(current, wrong={1, 2, 3})
    # A failing submit: lock attempt, check role, ask whether an attestation closes the quiz, read
    # items, claim, write choices, write item results, savepoints, and the audit event (the chain's
    # last hash, the row; on PostgreSQL also the chain's advisory lock). (A pass adds the
    # attestation's fixed cost; see the test above.)
    with django_assert_num_queries(11 + (connection.vendor == "postgresql")):
        services.attempt_submit(attempt_id=current.pk, user=ready_prescriber, answers=answers)


def test_a_prescriber_whose_role_was_withdrawn_cannot_submit(client, attempt, ready_prescriber):
    ready_prescriber.groups.clear()
    response = client.post(_url(attempt), factories.as_post(factories.correct_answers(attempt)))
    assert response.status_code == 403
    assert _nothing_saved(attempt)


def test_an_attempt_past_its_time_is_listed_as_expired(client, attempt, programme_with_bank):
    from datetime import timedelta

    from django.utils import timezone

    Attempt.objects.filter(pk=attempt.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    body = client.get(f"/en/quiz/{programme_with_bank.slug}/").content.decode()
    assert "<td>Expired</td>" in body
    assert "Resume your attempt" not in body
