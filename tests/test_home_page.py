"""The home page: each programme with the prescriber's progress, next step and attestation status."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import LessonPage
from courses.selectors import ProgrammeProgress, programme_next_step, programmes_progress
from courses.services import lesson_mark_read, lesson_opened_record
from tests import factories

pytestmark = pytest.mark.django_db


class Lesson:
    def __init__(self, key):
        self.translation_key = key


LESSONS = [Lesson("a"), Lesson("b"), Lesson("c")]


def progress(*read):
    return ProgrammeProgress(lessons=LESSONS, read_keys=frozenset(read), required_keys=frozenset("abc"))


def step(read=(), attestation="none", renewal_open=False):
    return programme_next_step(progress=progress(*read), attestation=attestation, renewal_open=renewal_open)


# The next step --------------------------------------------------------------------------------------


def test_nothing_read_and_no_attestation_starts_with_the_first_lesson():
    result = step()
    assert (result.code, result.lesson.translation_key) == ("start", "a")


def test_some_lessons_read_continues_with_the_first_unread_one():
    result = step(read=("a", "c"))
    assert (result.code, result.lesson.translation_key) == ("continue", "b")


def test_every_lesson_read_and_no_attestation_leads_to_the_quiz():
    assert step(read="abc").code == "quiz"


def test_a_valid_attestation_leads_to_the_attestation():
    assert step(read="abc", attestation="valid").code == "attestation"


def test_an_attestation_waiting_for_the_hpr_number_says_to_confirm_it():
    assert step(read="abc", attestation="identity_unverified").code == "confirm_identity"


def test_a_revoked_attestation_leads_to_the_programme_owner_and_not_to_the_quiz():
    assert step(read="abc", attestation="revoked").code == "contact"


@pytest.mark.parametrize(
    ("attestation", "renewal_open"),
    [("expired", False), ("renewal_required", False), ("valid", True), ("identity_unverified", True)],
)
def test_renewal_with_every_lesson_read_leads_to_the_quiz_again(attestation, renewal_open):
    assert step(read="abc", attestation=attestation, renewal_open=renewal_open).code == "renew_quiz"


def test_renewal_after_a_changed_lesson_leads_to_that_lesson_first():
    result = step(read="ac", attestation="renewal_required")
    assert (result.code, result.lesson.translation_key) == ("renew_reading", "b")


def test_a_programme_without_lessons_has_no_step():
    empty = ProgrammeProgress(lessons=[], required_keys=frozenset())
    assert programme_next_step(progress=empty, attestation="none").code == "none"


# The page -------------------------------------------------------------------------------------------


def read(user, programme_page, count):
    for lesson in LessonPage.objects.child_of(programme_page).order_by("path")[:count]:
        lesson_opened_record(user=user, lesson=lesson)
        lesson_mark_read(user=user, lesson=lesson)


def test_signed_out_visitors_see_the_programmes_and_how_to_sign_up(client, programme):
    body = client.get("/en/").content.decode()

    assert programme.title in body
    assert "How it works" in body
    assert 'href="/en/accounts/signup/"' in body
    assert "Your programmes" not in body


def test_a_prescriber_sees_progress_and_the_next_lesson_of_each_programme(client, prescriber, programme):
    second = factories.programme(slug="second", title="Second programme")
    read(prescriber, programme, 1)
    client.force_login(prescriber)

    body = client.get("/en/").content.decode()

    assert "Your programmes" in body
    assert "1 of 3 lessons read" in body
    assert "33 %" in body
    assert "0 of 3 lessons read" in body
    next_lesson = LessonPage.objects.child_of(programme).order_by("path")[1]
    first_of_second = LessonPage.objects.child_of(second).order_by("path")[0]
    assert f'<a class="button" href="{next_lesson.url}">Continue where you left off</a>' in body
    assert f'<a class="button" href="{first_of_second.url}">Start the first lesson</a>' in body
    assert body.count('class="status-pill status-none">No attestation</span>') == 2


def test_a_prescriber_who_read_everything_is_sent_to_the_quiz(client, ready_prescriber, programme_with_bank):
    client.force_login(ready_prescriber)

    body = client.get("/en/").content.decode()

    assert f'href="/en/quiz/{programme_with_bank.slug}/">Take the quiz</a>' in body


def test_progress_in_another_language_counts_on_the_home_page(client, prescriber, programme):
    english = factories.programme(code="en", source=programme)
    read(prescriber, programme, 2)

    ((_, shown),) = programmes_progress(user=prescriber, programmes=[english])

    assert (shown.read_count, shown.total) == (2, 3)


def test_the_signed_in_home_page_costs_the_same_queries_for_one_or_three_programmes(
    client, prescriber, programme
):
    read(prescriber, programme, 2)
    client.force_login(prescriber)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/").status_code == 200
        return len(queries)

    count()  # the first request fills caches (site, locales)
    one = count()
    for slug in ("second", "third"):
        extra = factories.programme(slug=slug)
        read(prescriber, extra, 1)
    three = count()

    assert three == one
