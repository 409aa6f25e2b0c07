"""The scoring rules on their own: exact sets, critical questions, the pass-mark boundary."""

import pytest

from quizzes import scoring


@pytest.mark.parametrize(
    ("correct", "selected", "expected"),
    [
        ([1], [1], True),  # single choice, right
        ([1], [2], False),  # single choice, wrong
        ([7], [7], True),  # true/false, right
        ([7], [8], False),  # true/false, wrong
        ([1, 2], [1, 2], True),  # multiple choice: exactly the right set
        ([1, 2], [2, 1], True),  # order does not matter
        ([1, 2], [1], False),  # too few
        ([1, 2], [1, 2, 3], False),  # too many
        ([1, 2], [3, 4], False),
    ],
)
def test_an_item_is_correct_only_with_exactly_the_right_options(correct, selected, expected):
    assert scoring.item_is_correct(correct_ids=correct, selected_ids=selected) is expected


def test_pass_mark_boundary_is_inclusive():
    eight_of_ten = [(True, False)] * 8 + [(False, False)] * 2
    assert scoring.decide(results=eight_of_ten, pass_mark=80).passed
    seven_of_ten = [(True, False)] * 7 + [(False, False)] * 3
    assert not scoring.decide(results=seven_of_ten, pass_mark=80).passed


def test_a_score_just_below_the_mark_fails_without_rounding_up():
    # 79 of 100 must not round to 80 %
    results = [(True, False)] * 79 + [(False, False)] * 21
    outcome = scoring.decide(results=results, pass_mark=80)
    assert not outcome.passed
    assert outcome.score == pytest.approx(0.79)


def test_a_missed_critical_question_fails_even_with_a_high_score():
    results = [(True, False)] * 11 + [(False, True)]
    outcome = scoring.decide(results=results, pass_mark=80)
    assert outcome.correct == 11
    assert outcome.critical_missed
    assert not outcome.passed


def test_critical_questions_answered_right_count_normally():
    results = [(True, True)] * 2 + [(True, False)] * 8
    assert scoring.decide(results=results, pass_mark=100).passed


def test_no_questions_never_passes():
    assert not scoring.decide(results=[], pass_mark=80).passed


def test_point_biserial_from_aggregates_matches_the_textbook_formula():
    # Scores 1.0, 0.8 answered right; 0.4, 0.2 answered wrong.
    scores_right, scores_wrong = [1.0, 0.8], [0.4, 0.2]
    every = scores_right + scores_wrong
    mean = sum(every) / 4
    mean_sq = sum(s * s for s in every) / 4
    r = scoring.point_biserial(
        n=4, n_correct=2, mean_all=mean, mean_sq_all=mean_sq, mean_correct=0.9, mean_wrong=0.3
    )
    sd = (mean_sq - mean * mean) ** 0.5
    assert r == pytest.approx((0.9 - 0.3) / sd * 0.5)
    assert r == pytest.approx(0.9486833, rel=1e-6)


def test_point_biserial_is_undefined_when_everyone_agrees():
    assert (
        scoring.point_biserial(n=3, n_correct=3, mean_all=1, mean_sq_all=1, mean_correct=1, mean_wrong=None)
        is None
    )
