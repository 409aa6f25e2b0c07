"""The attempt page: answers saved as you go, the attempt's own language, the cooldown told in
advance, and a stale window told that the attempt was submitted elsewhere."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import formats, timezone, translation

from quizzes import selectors, services
from quizzes.models import Attempt, AttemptChoice, Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(client, ready_prescriber, programme_with_bank):
    client.force_login(ready_prescriber)
    assert client.post(f"/nb/quiz/{programme_with_bank.slug}/start/").status_code == 302
    return Attempt.objects.get(user=ready_prescriber)


def _page(attempt, code="en"):
    return f"/{code}/quiz/attempt/{attempt.pk}/"


def _save(client, attempt, answers, code="en"):
    return client.post(
        f"/{code}/quiz/attempt/{attempt.pk}/save/",
        data=json.dumps({"answers": answers}),
        content_type="application/json",
    )


def _item(attempt, position):
    return attempt.items.get(position=position)


def _token(item, *, correct=True):
    return next(o["token"] for o in item.options if (o["id"] in item.correct_option_ids) == correct)


def _saved(attempt):
    """{position: {option ids}} as stored for the attempt."""
    rows = AttemptChoice.objects.filter(item__attempt=attempt).select_related("item")
    saved: dict = {}
    for row in rows:
        saved.setdefault(row.item.position, set()).add(row.option_id)
    return saved


def _option_id(item, token):
    return item.options_by_token()[token]


# Answers saved as the learner goes -----------------------------------------------------------------


def test_answers_saved_by_the_script_are_checked_when_the_page_is_opened_again(client, attempt):
    first, second = _item(attempt, 1), _item(attempt, 2)
    chosen_first, chosen_second = _token(first), _token(second, correct=False)
    response = _save(client, attempt, {str(first.pk): [chosen_first]})
    assert response.status_code == 200
    assert response.json() == {"saved": True, "answered": 1, "total": 6}
    assert _save(client, attempt, {str(second.pk): [chosen_second]}).json()["answered"] == 2

    body = client.get(_page(attempt)).content.decode()  # a reload, or the back link
    assert f'value="{chosen_first}" checked' in body
    assert f'value="{chosen_second}" checked' in body
    assert body.count(" checked") == 2
    assert "<span data-answered>2</span> of 6 questions answered" in body
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and attempt.score is None


def test_the_save_button_works_without_javascript_and_shows_the_page_again(client, attempt):
    answers = factories.correct_answers(attempt)
    partial = {k: v for k, v in answers.items() if k in {str(_item(attempt, n).pk) for n in (1, 3)}}
    response = client.post(_page(attempt), {**factories.as_post(partial), "action": "save"})
    assert response.status_code == 302
    assert response["Location"] == _page(attempt)
    body = client.get(response["Location"]).content.decode()
    assert "Your answers are saved: 2 of 6 questions answered." in body
    for tokens in partial.values():
        assert f'value="{tokens[0]}" checked' in body
    assert set(_saved(attempt)) == {1, 3}
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and attempt.score is None


def test_saving_the_whole_form_clears_questions_no_longer_answered(client, attempt):
    first, second = _item(attempt, 1), _item(attempt, 2)
    _save(client, attempt, {str(first.pk): [_token(first)], str(second.pk): [_token(second)]})
    client.post(_page(attempt), {f"q{first.pk}": [_token(first)], "action": "save"})
    assert set(_saved(attempt)) == {1}


def test_a_save_replaces_what_was_saved_for_that_question_only(client, attempt):
    first, second = _item(attempt, 1), _item(attempt, 2)
    _save(client, attempt, {str(first.pk): [_token(first)], str(second.pk): [_token(second)]})
    wrong = _token(first, correct=False)
    _save(client, attempt, {str(first.pk): [wrong]})
    assert _saved(attempt) == {1: {_option_id(first, wrong)}, 2: {second.correct_option_ids[0]}}
    assert _save(client, attempt, {str(first.pk): []}).json()["answered"] == 1
    assert set(_saved(attempt)) == {2}


def test_a_foreign_token_is_refused_and_nothing_saved_changes(client, attempt):
    first, second, third = _item(attempt, 1), _item(attempt, 2), _item(attempt, 3)
    _save(client, attempt, {str(first.pk): [_token(first)]})
    before = _saved(attempt)
    # A token of another question, with a good answer beside it: the whole save is refused.
    response = _save(client, attempt, {str(first.pk): [_token(second)], str(third.pk): [_token(third)]})
    assert response.status_code == 400
    assert response.json()["code"] == "foreign_option"
    # The real option id is no answer either; nor is a question of another attempt.
    assert _save(client, attempt, {str(first.pk): [str(first.correct_option_ids[0])]}).status_code == 400
    assert _save(client, attempt, {"99999999": [_token(first)]}).status_code == 400
    two = [o["token"] for o in first.options[:2]]
    assert _save(client, attempt, {str(first.pk): two}).json()["code"] == "one_answer"
    malformed = client.post(
        f"/en/quiz/attempt/{attempt.pk}/save/", data="{not json", content_type="application/json"
    )
    assert malformed.status_code == 400
    form = client.post(_page(attempt), {f"q{third.pk}": [_token(second)], "action": "save"})
    assert form.status_code == 400
    assert _saved(attempt) == before


def test_saving_an_expired_attempt_is_refused(client, attempt):
    first = _item(attempt, 1)
    Attempt.objects.filter(pk=attempt.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _save(client, attempt, {str(first.pk): [_token(first)]})
    assert response.status_code == 410
    assert response.json()["code"] == "expired"
    form = client.post(_page(attempt), {f"q{first.pk}": [_token(first)], "action": "save"})
    assert form.status_code == 410
    assert "The time for this attempt ran out." in form.content.decode()
    assert not AttemptChoice.objects.exists()


def test_saving_a_submitted_attempt_is_refused_with_a_link_to_its_result(client, attempt):
    client.post(_page(attempt), factories.as_post(factories.correct_answers(attempt, wrong={1})))
    submitted = _saved(attempt)
    first = _item(attempt, 1)
    response = _save(client, attempt, {str(first.pk): [_token(first)]})
    assert response.status_code == 409
    assert response.json()["result_url"] == f"/en/quiz/attempt/{attempt.pk}/result/"
    assert "already submitted in another window" in response.json()["error"]
    assert _saved(attempt) == submitted


def test_someone_elses_attempt_cannot_be_saved(client, attempt, programme_with_bank):
    first = _item(attempt, 1)
    intruder = factories.PrescriberFactory()
    factories.read_all(intruder, programme_with_bank)
    client.force_login(intruder)
    assert _save(client, attempt, {str(first.pk): [_token(first)]}).status_code == 404
    form = client.post(_page(attempt), {f"q{first.pk}": [_token(first)], "action": "save"})
    assert form.status_code == 404
    assert not AttemptChoice.objects.exists()


def test_saving_needs_a_post(client, attempt):
    assert client.get(f"/en/quiz/attempt/{attempt.pk}/save/").status_code == 405


def test_submitting_after_saves_scores_the_submitted_answers(client, attempt):
    wrong_everywhere = factories.correct_answers(attempt, wrong={1, 2, 3, 4, 5, 6})
    _save(client, attempt, wrong_everywhere)
    right = factories.correct_answers(attempt)
    response = client.post(_page(attempt, "nb"), factories.as_post(right))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed and attempt.correct_count == 6
    items = list(attempt.items.all())
    assert _saved(attempt) == {item.position: set(item.correct_option_ids) for item in items}


def test_a_submit_after_saves_costs_one_query_more_than_without(
    client, attempt, ready_prescriber, django_assert_num_queries
):
    # Without saves a failing submit takes 11 queries (12 on PostgreSQL: tests/test_quiz_views.py);
    # clearing the saved answers before writing the submitted ones is one DELETE, whatever their
    # number.
    _save(client, attempt, factories.correct_answers(attempt))
    answers = factories.correct_answers(attempt, wrong={1, 2, 3})
    with django_assert_num_queries(12 + (connection.vendor == "postgresql")):
        services.attempt_submit(attempt_id=attempt.pk, user=ready_prescriber, answers=answers)


def test_answers_saved_in_open_or_expired_attempts_are_not_in_item_statistics(
    client, attempt, programme_with_bank
):
    _save(client, attempt, factories.correct_answers(attempt))
    other = factories.PrescriberFactory()
    factories.read_all(other, programme_with_bank)
    expired = services.attempt_start(user=other, programme=programme_with_bank)
    services.attempt_save_answers(
        attempt_id=expired.pk, user=other, answers=factories.correct_answers(expired)
    )
    Attempt.objects.filter(pk=expired.pk).update(status="expired", ended_at=timezone.now())
    assert AttemptChoice.objects.count() == 12
    stats = selectors.item_statistics(programme=programme_with_bank)
    assert all(s.attempts == 0 and s.option_counts == {} for s in stats)


def test_the_page_loads_the_save_script_deferred_and_no_inline_script(client, attempt):
    body = client.get(_page(attempt)).content.decode()
    assert '<script src="/static/quizzes/attempt.js" defer></script>' in body
    assert body.count("<script") == 1
    assert f'data-save-url="/en/quiz/attempt/{attempt.pk}/save/"' in body
    assert 'role="status"' in body
    assert 'name="action" value="save"' in body


def test_the_page_says_when_the_attempt_expires_in_the_pages_language(client, attempt):
    local = timezone.localtime(attempt.expires_at, timezone=timezone.get_default_timezone())
    assert str(local.tzinfo) == "Europe/Oslo"
    with translation.override("en"):
        english = formats.date_format(local, "DATETIME_FORMAT")
    with translation.override("nb"):
        norwegian = formats.date_format(local, "DATETIME_FORMAT")
    assert f"This attempt expires on {english};" in client.get(_page(attempt)).content.decode()
    assert norwegian in client.get(_page(attempt, "nb")).content.decode()


# The attempt keeps its language --------------------------------------------------------------------


@pytest.fixture
def english_programme(programme_with_bank):
    page = factories.programme(code="en", slug="testmed-en", source=programme_with_bank)
    factories.translate_bank(Question.objects.filter(locale=programme_with_bank.locale).order_by("pk"), page)
    return page


def test_an_attempt_started_in_norwegian_stays_norwegian_when_opened_in_english(
    client, attempt, english_programme
):
    assert attempt.language == "nb"
    body = client.get(_page(attempt, "en")).content.decode()
    for item in attempt.items.all():
        assert f'<span class="question-text" lang="nb">{item.text}</span>' in body
        assert item.text.startswith("Spørsmål")
    assert '<label for="q' in body and 'lang="nb">A</label>' in body
    assert "This attempt stays in the language it was started in: Norwegian bokmål." in body
    # The way back leads to the programme and its quiz in the page's language.
    assert f'href="/en/quiz/{english_programme.slug}/"' in body
    assert f'href="{english_programme.url}"' in body
    assert 'href="/nb/' not in body.split("<main")[1]


def test_the_page_in_the_attempts_own_language_has_no_language_notice(client, attempt, english_programme):
    body = client.get(_page(attempt, "nb")).content.decode()
    assert 'class="card attempt-language"' not in body
    assert '<span class="question-text" lang="nb">' in body
    assert f'href="/nb/quiz/{attempt.programme.slug}/"' in body


def test_an_attempt_started_in_english_records_english(client, prescriber, english_programme):
    factories.read_all(prescriber, english_programme)
    client.force_login(prescriber)
    client.post(f"/en/quiz/{english_programme.slug}/start/")
    started = Attempt.objects.get(user=prescriber)
    assert started.language == "en"
    body = client.get(_page(started, "nb")).content.decode()
    assert '<span class="question-text" lang="en">Question ' in body
    assert 'class="card attempt-language"' in body


# The cooldown, told in advance ---------------------------------------------------------------------

WARNING = "If you do not pass this attempt, the quiz closes for 24 hours."


def _fail(user, programme):
    current = services.attempt_start(user=user, programme=programme)
    services.attempt_submit(
        attempt_id=current.pk, user=user, answers=factories.correct_answers(current, wrong={1, 2, 3})
    )
    return current


def test_the_attempt_that_would_start_a_cooldown_is_announced_before_and_during_it(
    client, ready_prescriber, programme_with_bank
):
    client.force_login(ready_prescriber)
    quiz_url = f"/en/quiz/{programme_with_bank.slug}/"
    _fail(ready_prescriber, programme_with_bank)
    assert WARNING not in client.get(quiz_url).content.decode()  # one failure: two more to go
    _fail(ready_prescriber, programme_with_bank)
    assert WARNING in client.get(quiz_url).content.decode()
    client.post(f"/en/quiz/{programme_with_bank.slug}/start/")
    current = Attempt.objects.get(user=ready_prescriber, status="in_progress")
    assert WARNING in client.get(_page(current)).content.decode()
    assert WARNING in client.get(quiz_url).content.decode()  # "Resume your attempt"


def test_the_warning_uses_the_programmes_rules(client, ready_prescriber, programme_with_bank):
    programme_with_bank.attempts_before_cooldown = 1
    programme_with_bank.cooldown_hours = 6
    programme_with_bank.save()
    client.force_login(ready_prescriber)
    body = client.get(f"/en/quiz/{programme_with_bank.slug}/").content.decode()
    assert "If you do not pass this attempt, the quiz closes for 6 hours." in body


def test_after_a_pass_the_count_starts_again(client, ready_prescriber, programme_with_bank):
    client.force_login(ready_prescriber)
    _fail(ready_prescriber, programme_with_bank)
    _fail(ready_prescriber, programme_with_bank)
    assert selectors.cooldown_after_next_failure(user=ready_prescriber, programme=programme_with_bank) == 24
    # The latest attempt counted as a pass instead (no attestation needed for the count).
    latest = Attempt.objects.filter(user=ready_prescriber).latest("started_at")
    Attempt.objects.filter(pk=latest.pk).update(passed=True)
    assert selectors.cooldown_after_next_failure(user=ready_prescriber, programme=programme_with_bank) is None


def test_during_a_cooldown_the_programme_page_says_when_the_quiz_opens_again(
    client, ready_prescriber, programme_with_bank
):
    client.force_login(ready_prescriber)
    before = client.get(f"/en/{programme_with_bank.slug}/").content.decode()
    assert "Go to the quiz" in before
    for _ in range(3):
        _fail(ready_prescriber, programme_with_bank)
    opens_at = selectors.quiz_eligibility(user=ready_prescriber, programme=programme_with_bank).opens_at
    assert opens_at is not None
    with translation.override("en"):
        when = formats.date_format(timezone.localtime(opens_at), "DATETIME_FORMAT")
    body = client.get(f"/en/{programme_with_bank.slug}/").content.decode()
    assert f"The quiz opens again on {when}." in body
    assert "Go to the quiz" not in body
    assert 'class="card quiz-card quiz-locked"' in body


# A stale window ------------------------------------------------------------------------------------


def test_a_stale_window_submitting_is_told_the_attempt_was_submitted_elsewhere(client, attempt):
    client.post(_page(attempt, "nb"), factories.as_post(factories.correct_answers(attempt, wrong={1})))
    attempt.refresh_from_db()
    scored, choices = (attempt.correct_count, attempt.ended_at), _saved(attempt)
    other = factories.as_post(factories.correct_answers(attempt))
    response = client.post(_page(attempt), other)
    assert response.status_code == 409
    body = response.content.decode()
    at = timezone.localtime(attempt.ended_at).strftime("%H:%M")
    assert (
        f"This attempt was already submitted in another window at {at}; "
        "the answers in this window were not scored."
    ) in body
    assert f'href="/en/quiz/attempt/{attempt.pk}/result/"' in body
    assert 'class="quiz-form"' not in body
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.ended_at) == scored
    assert _saved(attempt) == choices


def test_saving_from_a_stale_window_is_told_the_same(client, attempt):
    client.post(_page(attempt), factories.as_post(factories.correct_answers(attempt)))
    first = _item(attempt, 1)
    response = client.post(_page(attempt), {f"q{first.pk}": [_token(first)], "action": "save"})
    assert response.status_code == 409
    assert "already submitted in another window" in response.content.decode()


def test_a_second_click_on_submit_with_the_same_answers_goes_to_its_result(client, attempt):
    data = factories.as_post(factories.correct_answers(attempt, wrong={2}))
    client.post(_page(attempt), data)
    response = client.post(_page(attempt), data)
    assert response.status_code == 302
    assert response["Location"] == f"/en/quiz/attempt/{attempt.pk}/result/"
