"""Item statistics on a small data set whose figures are worked out by hand."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db

# Three questions (Q1, Q2, Q3 in positions 1-3), four prescribers:
#   A: right right wrong  -> 2/3      C: wrong wrong right -> 1/3
#   B: right wrong wrong  -> 1/3      D: right right wrong -> 2/3
# Mean score 1/2, E[x^2] = 10/36, SD = 1/6.
#   Q1: p = 3/4, M1 = 5/9, M0 = 1/3 -> r = (2/9)/(1/6) * sqrt(3/16) =  0.57735
#   Q2: p = 1/2, M1 = 2/3, M0 = 1/3 -> r = (1/3)/(1/6) * 1/2         =  1.0
#   Q3: p = 1/4, M1 = 1/3, M0 = 5/9 -> r = (-2/9)/(1/6) * sqrt(3/16) = -0.57735
PATTERNS = [{3}, {2, 3}, {1, 2}, {3}]


@pytest.fixture
def programme_with_results():
    page = factories.programme(questions_per_topic=3, shuffle=False)
    factories.question_bank(page, topics=1, per_topic=3)
    for wrong in PATTERNS:
        _take(page, wrong)
    return page


def _take(page, wrong):
    user = factories.PrescriberFactory()
    factories.read_all(user, page)
    attempt = services.attempt_start(user=user, programme=page)
    services.attempt_submit(
        attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt, wrong=wrong)
    )


def test_facility_discrimination_and_option_counts_match_hand_computed_values(programme_with_results):
    stats = selectors.item_statistics(programme=programme_with_results)
    assert [s.question.text for s in stats] == ["Spørsmål 1.1", "Spørsmål 1.2", "Spørsmål 1.3"]
    q1, q2, q3 = stats
    assert [s.attempts for s in stats] == [4, 4, 4]
    assert (q1.facility, q2.facility, q3.facility) == (0.75, 0.5, 0.25)
    assert q1.discrimination == pytest.approx(0.5773503, abs=1e-6)
    assert q2.discrimination == pytest.approx(1.0, abs=1e-6)
    assert q3.discrimination == pytest.approx(-0.5773503, abs=1e-6)
    assert q1.option_counts == {"a": 3, "b": 1}
    assert q2.option_counts == {"a": 2, "b": 2}
    assert q3.option_counts == {"a": 1, "b": 3}


def test_hard_easy_and_negative_items_are_flagged(programme_with_results):
    q1, q2, q3 = selectors.item_statistics(programme=programme_with_results)
    assert q1.flags == [] and q2.flags == []
    assert len(q3.flags) == 2  # facility below 0.30 and negative discrimination


def test_open_attempts_do_not_count(programme_with_results):
    user = factories.PrescriberFactory()
    factories.read_all(user, programme_with_results)
    services.attempt_start(user=user, programme=programme_with_results)
    assert [s.attempts for s in selectors.item_statistics(programme=programme_with_results)] == [4, 4, 4]


def _page_queries(client, page):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/admin/quizzes/statistics/?programme={page.pk}")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_statistics_page_query_count_does_not_grow_with_attempts(client, programme_with_results):
    client.force_login(factories.MedicalAffairsFactory())
    _page_queries(client, programme_with_results)
    before = _page_queries(client, programme_with_results)
    for wrong in PATTERNS * 2:
        _take(programme_with_results, wrong)
    assert _page_queries(client, programme_with_results) == before
    body = client.get(f"/admin/quizzes/statistics/?programme={programme_with_results.pk}").content.decode()
    assert "Spørsmål 1.3" in body
    assert "-0,58" in body or "-0.58" in body


def test_the_statistics_page_holds_no_personal_data(client, programme_with_results):
    client.force_login(factories.MedicalAffairsFactory())
    body = client.get(f"/admin/quizzes/statistics/?programme={programme_with_results.pk}").content.decode()
    from lms.models import User

    for prescriber in User.objects.filter(hpr_number__isnull=False):
        assert prescriber.email not in body
        assert prescriber.hpr_number not in body
