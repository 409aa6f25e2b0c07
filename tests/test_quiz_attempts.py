"""Starting, drawing, snapshotting, expiring and cooling down attempts."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes import selectors, services
from quizzes.models import Attempt, Option, Question
from quizzes.signals import quiz_passed
from tests import factories

pytestmark = pytest.mark.django_db


def test_only_prescribers_who_read_every_lesson_can_start(prescriber, programme_with_bank):
    with pytest.raises(services.NotEligible) as refused:
        services.attempt_start(user=prescriber, programme=programme_with_bank)
    assert refused.value.code == "lessons_unread"
    assert "0 of 3" in refused.value.message or "0 av 3" in refused.value.message
    editor = factories.MedicalAffairsFactory()
    factories.read_all(editor, programme_with_bank)
    with pytest.raises(services.NotEligible) as refused:
        services.attempt_start(user=editor, programme=programme_with_bank)
    assert refused.value.code == "not_prescriber"
    assert not Attempt.objects.exists()


def test_questions_are_drawn_per_topic(ready_prescriber, programme_with_bank):
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    per_topic = Counter(attempt.items.values_list("topic_name", flat=True))
    assert per_topic == {"Emne 1": 2, "Emne 2": 2, "Emne 3": 2}
    assert attempt.question_count == 6
    assert attempt.pass_mark == 80


def test_a_topic_with_fewer_questions_than_asked_gives_all_it_has(prescriber):
    page = factories.programme(questions_per_topic=5)
    factories.question_bank(page, topics=2, per_topic=3)
    factories.read_all(prescriber, page)
    attempt = services.attempt_start(user=prescriber, programme=page)
    assert attempt.question_count == 6


def test_questions_and_options_are_shuffled_per_attempt(ready_prescriber, programme_with_bank):
    orders = set()
    option_orders = set()
    for seed in range(8):
        attempt = services.attempt_start(
            user=ready_prescriber, programme=programme_with_bank, rng=random.Random(seed)
        )
        items = list(attempt.items.all())
        orders.add(tuple(item.question_id for item in items))
        option_orders.update(tuple(o["key"] for o in item.options) for item in items)
        Attempt.objects.filter(pk=attempt.pk).update(
            status="expired", ended_at=timezone.now() - timedelta(days=30)
        )
    assert len(orders) > 1
    assert len(option_orders) > 1


def test_without_shuffle_the_order_follows_the_topics(ready_prescriber, programme_with_bank):
    programme_with_bank.shuffle = False
    programme_with_bank.save()
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    names = [item.topic_name for item in attempt.items.all()]
    assert names == sorted(names)
    assert all([o["key"] for o in item.options] == ["a", "b", "c"] for item in attempt.items.all())


def test_starting_again_resumes_the_open_attempt(ready_prescriber, programme_with_bank):
    first = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    again = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    assert first.pk == again.pk
    assert Attempt.objects.count() == 1


def test_retired_and_unpublished_questions_are_not_drawn(ready_prescriber, programme_with_bank):
    Question.objects.filter(text__startswith="Spørsmål 1.").update(active=False)
    Question.objects.filter(text="Spørsmål 2.1").update(live=False)
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    texts = set(attempt.items.values_list("text", flat=True))
    assert not any(text.startswith("Spørsmål 1.") for text in texts)
    assert "Spørsmål 2.1" not in texts
    assert attempt.question_count == 4


def test_the_snapshot_survives_editing_and_retiring_the_bank(ready_prescriber, programme_with_bank):
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    answers = factories.correct_answers(attempt)
    # Medical affairs rewrite every question, flip the right answers and retire them all.
    for question in Question.objects.all():
        question.text = "Endret tekst"
        question.save()
    Option.objects.update(is_correct=False, text="Endret")
    Question.objects.update(active=False)
    submitted = services.attempt_submit(attempt_id=attempt.pk, user=ready_prescriber, answers=answers)
    assert submitted.passed
    assert submitted.correct_count == 6
    assert "Endret tekst" not in set(submitted.items.values_list("text", flat=True))


def test_a_result_already_given_does_not_change_when_the_bank_changes(ready_prescriber, programme_with_bank):
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    services.attempt_submit(
        attempt_id=attempt.pk, user=ready_prescriber, answers=factories.correct_answers(attempt)
    )
    Option.objects.update(is_correct=False)
    Question.objects.update(active=False)
    attempt.refresh_from_db()
    assert attempt.passed and attempt.correct_count == 6
    result = selectors.attempt_result(attempt=attempt)
    assert sum(t.correct for t in result.topics) == 6


def test_passing_sends_quiz_passed_inside_the_scoring_transaction(ready_prescriber, programme_with_bank):
    received = []

    def receiver(sender, attempt, **kwargs):
        received.append((attempt.pk, Attempt.objects.get(pk=attempt.pk).status))

    quiz_passed.connect(receiver)
    try:
        failed = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
        services.attempt_submit(
            attempt_id=failed.pk,
            user=ready_prescriber,
            answers=factories.correct_answers(failed, wrong={1, 2, 3}),
        )
        attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
        services.attempt_submit(
            attempt_id=attempt.pk, user=ready_prescriber, answers=factories.correct_answers(attempt)
        )
    finally:
        quiz_passed.disconnect(receiver)
    assert received == [(attempt.pk, "submitted")]


def test_an_expired_attempt_cannot_be_submitted_and_counts_as_an_attempt(
    ready_prescriber, programme_with_bank
):
    start = timezone.now() - timedelta(hours=3)
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank, now=start)
    with pytest.raises(services.AttemptClosed) as refused:
        services.attempt_submit(
            attempt_id=attempt.pk, user=ready_prescriber, answers=factories.correct_answers(attempt)
        )
    assert refused.value.status == 410
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and attempt.passed is None  # nothing half-written
    fresh = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    assert fresh.pk != attempt.pk
    attempt.refresh_from_db()
    assert attempt.status == "expired"


def _fail(user, programme, now):
    attempt = services.attempt_start(user=user, programme=programme, now=now)
    services.attempt_submit(
        attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt, wrong={1, 2, 3}), now=now
    )
    return attempt


def test_three_failures_start_a_24_hour_cooldown(ready_prescriber, programme_with_bank):
    now = timezone.now()
    for minutes in (0, 10, 20):
        _fail(ready_prescriber, programme_with_bank, now + timedelta(minutes=minutes))
    third_failure = now + timedelta(minutes=20)
    with pytest.raises(services.NotEligible) as refused:
        services.attempt_start(
            user=ready_prescriber, programme=programme_with_bank, now=third_failure + timedelta(hours=23)
        )
    assert refused.value.code == "cooldown"
    eligibility = selectors.quiz_eligibility(
        user=ready_prescriber, programme=programme_with_bank, now=third_failure
    )
    assert eligibility.opens_at == third_failure + timedelta(hours=24)
    # After the cooldown, three more attempts before the next one.
    later = third_failure + timedelta(hours=24, minutes=1)
    _fail(ready_prescriber, programme_with_bank, later)
    assert selectors.quiz_eligibility(user=ready_prescriber, programme=programme_with_bank, now=later).ok


def test_two_failures_do_not_trigger_a_cooldown(ready_prescriber, programme_with_bank):
    now = timezone.now()
    _fail(ready_prescriber, programme_with_bank, now)
    _fail(ready_prescriber, programme_with_bank, now)
    assert selectors.quiz_eligibility(user=ready_prescriber, programme=programme_with_bank, now=now).ok


def test_cooldown_settings_come_from_the_programme(ready_prescriber, programme_with_bank):
    programme_with_bank.attempts_before_cooldown = 1
    programme_with_bank.cooldown_hours = 2
    programme_with_bank.save()
    now = timezone.now()
    _fail(ready_prescriber, programme_with_bank, now)
    eligibility = selectors.quiz_eligibility(user=ready_prescriber, programme=programme_with_bank, now=now)
    assert eligibility.opens_at == now + timedelta(hours=2)


def test_attempt_lifetime_comes_from_the_programme(ready_prescriber, programme_with_bank):
    programme_with_bank.attempt_lifetime_minutes = 30
    programme_with_bank.save()
    attempt = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    assert attempt.expires_at - attempt.started_at == timedelta(minutes=30)


def test_rules_of_the_norwegian_version_apply_to_the_english_one(prescriber):
    nb = factories.programme(code="nb", pass_mark=90)
    en = factories.programme(code="en", source=nb, pass_mark=50)
    factories.translate_bank(factories.question_bank(nb, topics=1, per_topic=2), en)
    factories.read_all(prescriber, en)
    attempt = services.attempt_start(user=prescriber, programme=en)
    assert attempt.pass_mark == 90
    assert attempt.language == "en"
    assert attempt.programme_id == nb.pk
    assert all(text.startswith("Question ") for text in attempt.items.values_list("text", flat=True))


def test_a_lesson_not_yet_translated_is_neither_required_nor_counted_in_that_language(prescriber):
    from courses.selectors import programme_progress

    nb = factories.programme(code="nb", lessons=3)
    en = factories.programme(code="en", source=nb, lessons=2)
    factories.translate_bank(factories.question_bank(nb, topics=1, per_topic=2), en)
    factories.read_all(prescriber, en)
    progress = programme_progress(user=prescriber, programme=en)
    assert (progress.read_count, progress.total) == (2, 2)
    assert services.attempt_start(user=prescriber, programme=en).language == "en"
    # In Norwegian the third lesson is still required.
    assert not programme_progress(user=prescriber, programme=nb).complete


def test_a_question_without_a_published_translation_is_not_drawn_in_that_language(prescriber):
    nb = factories.programme(code="nb", questions_per_topic=3)
    en = factories.programme(code="en", source=nb)
    bank = factories.question_bank(nb, topics=2, per_topic=3, critical_first=True)
    factories.translate_bank(bank, en, skip={"q1-1", "q2-2"})
    factories.read_all(prescriber, en)
    attempt = services.attempt_start(user=prescriber, programme=en)
    texts = {item.text for item in attempt.items.all()}
    assert texts == {"Question q1-2", "Question q1-3", "Question q2-1", "Question q2-3"}


def _set_key(question, key: str):
    """Publish a new revision of ``question`` whose only right option is ``key``."""
    question = Question.objects.get(pk=question.pk)
    options = list(question.options.all())
    for option in options:
        option.is_correct = option.key == key
    question.options = options
    question.save_revision().publish()


def test_a_changed_key_in_norwegian_keeps_the_english_version_out_until_it_is_in_step(prescriber):
    nb = factories.programme(code="nb", questions_per_topic=2)
    en = factories.programme(code="en", source=nb)
    bank = factories.question_bank(nb, topics=1, per_topic=2)
    english = factories.translate_bank(bank, en)
    factories.read_all(prescriber, en)
    _set_key(bank[0], "b")  # the Norwegian source now keys option b

    pool, _ = selectors.draw_pool(programme=en, locale=en.locale)
    assert [q.key for q in pool] == ["q1-2"]  # the English q1-1 still keys a: not drawn

    _set_key(english[0], "b")  # the English translation is brought in step (and published)
    attempt = services.attempt_start(user=prescriber, programme=en)
    item = attempt.items.get(question_key=bank[0].translation_key)
    assert item.text == "Question q1-1"
    keyed = [option["key"] for option in item.options if option["id"] in item.correct_option_ids]
    assert keyed == ["b"]


def test_an_abandoned_attempt_counts_from_when_it_expired(ready_prescriber, programme_with_bank):
    long_ago = timezone.now() - timedelta(days=5)
    _fail(ready_prescriber, programme_with_bank, long_ago)
    _fail(ready_prescriber, programme_with_bank, long_ago)
    services.attempt_start(user=ready_prescriber, programme=programme_with_bank, now=long_ago)  # abandoned
    # Five days later the cooldown (24 h after the third attempt expired) is long over.
    assert selectors.quiz_eligibility(user=ready_prescriber, programme=programme_with_bank).ok
    fresh = services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    assert Attempt.objects.get(status="expired").ended_at == long_ago + timedelta(hours=2)
    assert fresh.status == "in_progress"


def test_an_attempt_left_open_past_its_time_counts_towards_the_cooldown(
    ready_prescriber, programme_with_bank
):
    now = timezone.now()
    _fail(ready_prescriber, programme_with_bank, now - timedelta(hours=4))
    _fail(ready_prescriber, programme_with_bank, now - timedelta(hours=4))
    services.attempt_start(user=ready_prescriber, programme=programme_with_bank, now=now - timedelta(hours=3))
    eligibility = selectors.quiz_eligibility(user=ready_prescriber, programme=programme_with_bank, now=now)
    assert not eligibility.ok and eligibility.code == "cooldown"
    assert eligibility.opens_at == now - timedelta(hours=1) + timedelta(hours=24)


def test_publishing_a_changed_key_in_norwegian_submits_the_english_version_in_step_for_review(
    prescriber, django_capture_on_commit_callbacks
):
    nb = factories.programme(code="nb", questions_per_topic=2)
    en = factories.programme(code="en", source=nb)
    bank = factories.question_bank(nb, topics=1, per_topic=2)
    english = factories.translate_bank(bank, en)
    factories.read_all(prescriber, en)
    with django_capture_on_commit_callbacks(execute=True):
        _set_key(bank[0], "b")

    translation = Question.objects.get(pk=english[0].pk)
    assert [o.key for o in translation.options.all() if o.is_correct] == ["a"]  # live: unchanged
    state = translation.current_workflow_state
    assert state is not None and state.requested_by is None
    draft = translation.get_latest_revision_as_object()
    assert [o.key for o in draft.options.all() if o.is_correct] == ["b"]
    assert draft.text == "Question q1-1"  # the translated text is kept
    pool, _ = selectors.draw_pool(programme=en, locale=en.locale)
    assert bank[0].key not in [q.key for q in pool]  # not drawn until approved

    reviewer = factories.MedicalAffairsFactory()
    task_state = state.current_task_state
    with django_capture_on_commit_callbacks(execute=True):
        task_state.task.specific.on_action(task_state, reviewer, "approve")
    attempt = services.attempt_start(user=prescriber, programme=en)
    item = attempt.items.get(question_key=bank[0].translation_key)
    keyed = [option["key"] for option in item.options if option["id"] in item.correct_option_ids]
    assert (item.text, keyed) == ("Question q1-1", ["b"])  # scored alike in both languages


def test_retiring_a_norwegian_question_submits_its_translation_retired_too(
    django_capture_on_commit_callbacks,
):
    nb = factories.programme(code="nb")
    en = factories.programme(code="en", source=nb)
    bank = factories.question_bank(nb, topics=1, per_topic=1)
    english = factories.translate_bank(bank, en)
    source = Question.objects.get(pk=bank[0].pk)
    source.active = False
    with django_capture_on_commit_callbacks(execute=True):
        source.save_revision().publish()
    translation = Question.objects.get(pk=english[0].pk)
    assert translation.current_workflow_state is not None
    assert translation.get_latest_revision_as_object().active is False
