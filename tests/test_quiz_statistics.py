"""Item statistics per published question version, on small data sets worked out by hand."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from quizzes import selectors, services
from quizzes.models import Option, Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Figures and flags read in English (the admin pages are asked for in English too)."""
    with translation.override("en"):
        yield


# Four questions (Q1-Q4 in positions 1-4, option "a" keyed), six prescribers; 1 = right.
#        Q1 Q2 Q3 Q4   total
#   L1    1  0  0  0     1
#   L2    1  0  0  0     1
#   L3    1  0  0  0     1
#   L4    1  0  1  0     2
#   L5    1  0  0  1     2
#   L6    1  1  0  1     3
# Facility: Q1 6/6 = 1, Q2 1/6, Q3 1/6, Q4 2/6.
# Item-rest: correlate the item (x) with the total WITHOUT it (rest R = total - x); the
# selector uses R as a share of the other three questions, a linear change that leaves r as is.
# r = cov(x, R) / sqrt(var x * var R), with cov = E[xR] - E[x]E[R].
#   Q1: everyone right, var x = 0 -> undefined (None).
#   Q2: x = 0,0,0,0,0,1; R = 1,1,1,2,2,2. E[x] = 1/6, E[R] = 3/2, E[xR] = 2/6.
#       cov = 1/3 - 1/4 = 1/12; var x = 1/6 * 5/6 = 5/36; var R = 15/6 - 9/4 = 1/4.
#       r = (1/12) / sqrt(5/36 * 1/4) = 1/sqrt(5) = 0.4472136
#   Q3: x = 0,0,0,1,0,0; R = 1,1,1,1,2,3. E[R] = 3/2, E[xR] = 1/6.
#       cov = 1/6 - 1/4 = -1/12; var x = 5/36; var R = 17/6 - 9/4 = 7/12.
#       r = (-1/12) / sqrt(5/36 * 7/12) = -sqrt(3/35) = -0.2927700
#       (With Q3 counted in its own total, T = 1,1,1,2,2,3: cov = 1/3 - 5/18 = 1/18,
#       var T = 5/9, r = (1/18) / sqrt(5/36 * 5/9) = +0.20 - the old figure hid the problem.)
#   Q4: x = 0,0,0,0,1,1; R = 1,1,1,2,1,2. E[x] = 1/3, E[R] = 4/3, E[xR] = 3/6.
#       cov = 1/2 - 4/9 = 1/18; var x = 2/9; var R = 12/6 - 16/9 = 2/9.
#       r = (1/18) / (2/9) = 0.25
# Repeating the six attempts five times gives 30 answers and the same figures.
WRONG = [{2, 3, 4}, {2, 3, 4}, {2, 3, 4}, {2, 4}, {2, 3}, {3}]


@pytest.fixture
def page():
    page = factories.programme(questions_per_topic=4, shuffle=False)
    factories.question_bank(page, topics=1, per_topic=4)
    return page


@pytest.fixture
def programme_with_results(page):
    for wrong in WRONG:
        _take(page, wrong)
    return page


def _take(page, wrong=()):
    user = factories.PrescriberFactory()
    factories.read_all(user, page)
    attempt = services.attempt_start(user=user, programme=page)
    services.attempt_submit(
        attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt, wrong=wrong)
    )


def _publish(question, *, text=None, keyed=None):
    """Edit the question (text, keyed option) and publish it as a new revision."""
    question = Question.objects.get(pk=question.pk)
    if text is not None:
        question.text = text
    question.options = [
        Option(
            pk=o.pk,
            key=o.key,
            text=o.text,
            is_correct=(o.key == keyed) if keyed else o.is_correct,
            sort_order=o.sort_order,
        )
        for o in question.options.all()
    ]
    question.save_revision().publish()
    return question


def test_facility_and_item_rest_discrimination_match_the_hand_computed_values(programme_with_results):
    stats = selectors.item_statistics(programme=programme_with_results)
    assert [s.text for s in stats] == ["Spørsmål 1.1", "Spørsmål 1.2", "Spørsmål 1.3", "Spørsmål 1.4"]
    q1, q2, q3, q4 = stats
    assert [s.attempts for s in stats] == [6, 6, 6, 6]
    assert [s.facility for s in stats] == pytest.approx([1.0, 1 / 6, 1 / 6, 1 / 3])
    assert q1.discrimination is None
    assert q2.discrimination == pytest.approx(0.4472136, abs=1e-6)
    assert q3.discrimination == pytest.approx(-0.2927700, abs=1e-6)
    assert q4.discrimination == pytest.approx(0.25, abs=1e-6)
    assert q1.option_counts == {"a": 6}
    assert q3.option_counts == {"a": 1, "b": 5}
    assert q4.option_counts == {"a": 2, "b": 4}
    assert q3.keyed_answer == "A"


def test_below_the_minimum_the_figures_are_shown_without_flags(programme_with_results):
    stats = selectors.item_statistics(programme=programme_with_results)
    assert selectors.MIN_ANSWERS_FOR_FLAGS == 30
    assert all(s.flags == [] for s in stats)
    assert {s.not_enough_data for s in stats} == {"Not enough data yet (6 of 30 answers)"}


def test_from_the_minimum_on_hard_easy_and_negative_items_are_flagged(programme_with_results):
    for wrong in WRONG * 4:
        _take(programme_with_results, wrong)
    q1, q2, q3, q4 = selectors.item_statistics(programme=programme_with_results)
    assert q3.attempts == 30
    assert q3.discrimination == pytest.approx(-0.2927700, abs=1e-6)  # five copies: the same r
    assert q1.flags == ["Very easy (facility above 0.95)"]
    assert q2.flags == ["Very hard (facility below 0.30)"]
    assert q3.flags == ["Very hard (facility below 0.30)", "Negative discrimination"]
    assert q4.flags == []
    assert q4.not_enough_data == ""


def test_the_minimum_is_counted_in_answers_to_the_version():
    def stat(attempts, discrimination):
        return selectors.ItemStatistic(
            **dict.fromkeys(["question_key", "question_id", "revision_id", "saved_at"]),
            language="nb",
            topic_name="Emne",
            text="Spørsmål",
            kind="single",
            critical=False,
            is_live=True,
            retired=False,
            attempts=attempts,
            correct=attempts // 2,
            discrimination=discrimination,
            options=[],
        )

    assert stat(29, 0.1).flags == []
    assert stat(29, 0.1).not_enough_data == "Not enough data yet (29 of 30 answers)"
    assert stat(30, 0.1).flags == ["Low discrimination (below 0.20)"]
    assert stat(30, 0.2).flags == []


def test_an_edited_keyed_answer_gets_its_own_row_and_the_counts_are_not_mixed():
    page = factories.programme(questions_per_topic=2, shuffle=False)
    q1, _q2 = factories.question_bank(page, topics=1, per_topic=2)
    _take(page)
    _take(page, wrong={1})  # chose "b", wrong under the first key
    _publish(q1, keyed="b")
    for _ in range(3):
        _take(page)  # chose "b", right under the new key

    rows = [s for s in selectors.item_statistics(programme=page) if s.question_key == q1.translation_key]
    assert len(rows) == 2
    old, new = rows
    assert (old.attempts, old.correct, old.option_counts, old.keyed_answer) == (2, 1, {"a": 1, "b": 1}, "A")
    assert (new.attempts, new.correct, new.option_counts, new.keyed_answer) == (3, 3, {"b": 3}, "B")
    assert old.revision_id != new.revision_id
    assert new.revision_id == Question.objects.get(pk=q1.pk).live_revision_id
    assert (old.is_live, new.is_live) == (False, True)


def test_drafts_are_not_listed_and_a_published_question_shows_its_live_text(page):
    topic = Question.objects.get(key="q1-1").topic
    draft = Question(topic=topic, kind="single", text="Aldri publisert", rationale="-", locale=topic.locale)
    draft.options = [Option(key="a", text="A", is_correct=True), Option(key="b", text="B")]
    draft.live = False
    draft.save()
    draft.save_revision()
    edited = Question.objects.get(key="q1-2")
    edited.text = "Utkast som venter på gjennomgang"
    edited.save_revision()

    texts = [s.text for s in selectors.item_statistics(programme=page)]
    assert texts == ["Spørsmål 1.1", "Spørsmål 1.2", "Spørsmål 1.3", "Spørsmål 1.4"]
    assert all(text for text in texts)


def test_open_attempts_do_not_count(programme_with_results):
    user = factories.PrescriberFactory()
    factories.read_all(user, programme_with_results)
    services.attempt_start(user=user, programme=programme_with_results)
    assert [s.attempts for s in selectors.item_statistics(programme=programme_with_results)] == [6] * 4


def _url(page, **params):
    query = "&".join(f"{k}={v}" for k, v in {"programme": page.pk, **params}.items())
    return f"/admin/quizzes/statistics/?{query}"


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_selector_query_count_does_not_grow_with_attempts(
    programme_with_results, django_assert_num_queries
):
    with django_assert_num_queries(5):
        selectors.item_statistics(programme=programme_with_results)
    for wrong in WRONG * 2:
        _take(programme_with_results, wrong)
    with django_assert_num_queries(5):
        selectors.item_statistics(programme=programme_with_results)


def test_the_page_and_its_csv_query_counts_do_not_grow_with_attempts(client, programme_with_results):
    client.force_login(factories.MedicalAffairsFactory())
    page_url, csv_url = _url(programme_with_results), _url(programme_with_results, export="csv")
    _queries(client, page_url)
    before = (_queries(client, page_url), _queries(client, csv_url))
    for wrong in WRONG * 2:
        _take(programme_with_results, wrong)
    assert (_queries(client, page_url), _queries(client, csv_url)) == before


def test_the_page_explains_the_figures_and_links_each_row_to_the_question_editor(
    client, programme_with_results
):
    client.force_login(factories.MedicalAffairsFactory())
    response = client.get(_url(programme_with_results), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    for question in Question.objects.filter(topic__programme=programme_with_results):
        assert f'href="/admin/snippets/quizzes/question/edit/{question.pk}/"' in body
    assert body.count("Edit question") == 4
    assert "-0.29" in body or "-0,29" in body
    assert "Learners who did well on the rest of the quiz got this one wrong more often" in body
    assert "17% of the learners who answered it got it right." in body
    assert "Not enough data yet (6 of 30 answers)" in body


def test_the_page_is_refused_without_the_statistics_permission(client, programme_with_results):
    client.force_login(factories.ComplianceFactory())  # admin access, no statistics permission
    for url in (_url(programme_with_results), _url(programme_with_results, export="csv")):
        response = client.get(url)
        # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
        assert (response.status_code, response["Location"]) == (302, "/admin/")
        assert "Spørsmål" not in response.content.decode()


def test_the_csv_holds_what_the_page_shows_with_a_bom_and_formulas_neutralised(client, page):
    q1 = Question.objects.get(key="q1-1")
    _publish(q1, text='=HYPERLINK("https://example.org","Klikk")')
    for wrong in WRONG:
        _take(page, wrong)
    client.force_login(factories.MedicalAffairsFactory())

    response = client.get(_url(page, export="csv", language="nb"), HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="item-statistics-testmed-nb-')
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(raw[1:])))
    assert header[:6] == ["Topic", "Question", "Language", "Version", "Answers", "Facility"]
    assert [row[1] for row in rows] == [
        '\'=HYPERLINK("https://example.org","Klikk")',
        "Spørsmål 1.2",
        "Spørsmål 1.3",
        "Spørsmål 1.4",
    ]
    q3 = dict(zip(header, rows[2], strict=True))
    assert q3["Answers"] == "6"
    assert q3["Facility"] == "0.17"
    assert q3["Discrimination (item–rest)"] == "-0.29"  # a number, not a formula: left as is
    assert q3["Keyed answer"] == "A"
    assert q3["Options chosen"] == "a: A (keyed) — 1 | b: B — 5 | c: C — 0"
    assert q3["Flags"] == "Not enough data yet (6 of 30 answers)"
    assert q3["Edit"] == f"http://testserver/admin/snippets/quizzes/question/edit/{q3_pk(page)}/"
    assert q3["What the discrimination says"].startswith("Learners who did well on the rest of the quiz")


def q3_pk(page):
    return Question.objects.get(key="q1-3").pk


def test_the_statistics_page_holds_no_personal_data(client, programme_with_results):
    client.force_login(factories.MedicalAffairsFactory())
    bodies = [
        client.get(_url(programme_with_results)).content.decode(),
        client.get(_url(programme_with_results, export="csv")).content.decode(),
    ]
    from lms.models import User

    for prescriber in User.objects.filter(hpr_number__isnull=False):
        for body in bodies:
            assert prescriber.email not in body
            assert prescriber.hpr_number not in body
