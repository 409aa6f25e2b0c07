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


def test_item_rest_correlation_from_sums_matches_pearson_on_the_listed_scores():
    # Item scores 1, 1, 0, 0 with rest scores 0.8, 0.4, 0.6, 0.2. Both means 0.5; covariance
    # (0.5*0.3 + 0.5*-0.1 - 0.5*0.1 - 0.5*-0.3) / 4 = 0.05; variances 0.25 and 0.05.
    # Sums handed over: rest 2.0, rest squared 0.64+0.16+0.36+0.04 = 1.2, rest when right 1.2.
    item, rest = [1, 1, 0, 0], [0.8, 0.4, 0.6, 0.2]
    mean_i, mean_r = sum(item) / 4, sum(rest) / 4
    cov = sum((i - mean_i) * (r - mean_r) for i, r in zip(item, rest, strict=True)) / 4
    var_i = sum((i - mean_i) ** 2 for i in item) / 4
    var_r = sum((r - mean_r) ** 2 for r in rest) / 4
    r = scoring.item_rest_correlation(n=4, n_right=2, sum_rest=2.0, sum_rest_sq=1.2, sum_rest_right=1.2)
    assert r == pytest.approx(cov / (var_i * var_r) ** 0.5)
    assert r == pytest.approx(0.4472136, rel=1e-6)  # 0.05 / sqrt(0.25 * 0.05)


def test_item_rest_correlation_is_undefined_when_everyone_agrees():
    assert scoring.item_rest_correlation(n=3, n_right=3, sum_rest=2, sum_rest_sq=2, sum_rest_right=2) is None
    assert scoring.item_rest_correlation(n=4, n_right=2, sum_rest=2, sum_rest_sq=1, sum_rest_right=1) is None
