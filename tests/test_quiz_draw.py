"""A retake is not the same paper: a new attempt prefers questions the learner has not been shown."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes import selectors, services
from quizzes.models import Attempt
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank_of_four(prescriber):
    """Three topics with four questions each; an attempt draws two per topic."""
    page = factories.programme(questions_per_topic=2)
    factories.question_bank(page, topics=3, per_topic=4)
    factories.read_all(prescriber, page)
    return page


def _sit(user, programme, *, at, seed):
    """Start an attempt at ``at`` and fail it; return the question keys it showed, by topic."""
    attempt = services.attempt_start(user=user, programme=programme, now=at, rng=random.Random(seed))
    answers = factories.correct_answers(attempt, wrong={1, 2, 3, 4})
    services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers, now=at + timedelta(minutes=5))
    return attempt, set(attempt.items.values_list("question_key", flat=True))


def test_the_second_attempt_shows_none_of_the_questions_of_the_first(prescriber, bank_of_four):
    start = timezone.now() - timedelta(hours=2)
    for seed in range(4):  # whatever the random draw, the preference holds
        Attempt.objects.filter(user=prescriber).delete()
        first, first_keys = _sit(prescriber, bank_of_four, at=start, seed=seed)
        second, second_keys = _sit(prescriber, bank_of_four, at=start + timedelta(minutes=10), seed=seed)
        assert len(first_keys) == len(second_keys) == 6
        assert first_keys.isdisjoint(second_keys)
        assert Counter(second.items.values_list("topic_name", flat=True)) == {
            "Emne 1": 2,
            "Emne 2": 2,
            "Emne 3": 2,
        }


def test_when_every_question_was_seen_the_least_recently_seen_are_drawn(prescriber, bank_of_four):
    start = timezone.now() - timedelta(hours=2)
    _first, first_keys = _sit(prescriber, bank_of_four, at=start, seed=1)
    _second, second_keys = _sit(prescriber, bank_of_four, at=start + timedelta(minutes=10), seed=2)
    third = services.attempt_start(
        user=prescriber, programme=bank_of_four, now=start + timedelta(minutes=20), rng=random.Random(3)
    )
    assert set(third.items.values_list("question_key", flat=True)) == first_keys
    assert first_keys.isdisjoint(second_keys)


def test_among_questions_seen_equally_long_ago_the_draw_stays_random(prescriber, bank_of_four):
    drawn = set()
    for seed in range(12):
        attempt = services.attempt_start(user=prescriber, programme=bank_of_four, rng=random.Random(seed))
        drawn.add(frozenset(attempt.items.values_list("question_key", flat=True)))
        attempt.delete()  # no history: every draw starts from a bank the learner has not seen
    assert len(drawn) > 1


def test_the_history_of_the_learner_is_read_in_one_query(prescriber, bank_of_four):
    start = timezone.now() - timedelta(hours=2)
    _sit(prescriber, bank_of_four, at=start, seed=1)
    _sit(prescriber, bank_of_four, at=start + timedelta(minutes=10), seed=2)
    other = factories.PrescriberFactory()
    factories.read_all(other, bank_of_four)
    _sit(other, bank_of_four, at=start + timedelta(minutes=30), seed=3)
    with CaptureQueriesContext(connection) as queries:
        seen = selectors.questions_last_seen(user=prescriber, programme_key=bank_of_four.translation_key)
    assert len(queries) == 1
    assert len(seen) == 12
    # The other learner's later attempt does not make these questions "recently seen".
    assert max(seen.values()) == start + timedelta(minutes=10)
