"""Reading lessons: read only what was opened, time to read, lesson navigation, the programme's
content version and approval date, dates in each language's format."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from courses import selectors, services
from courses.models import ContentChange, LessonOpened, LessonPage, LessonProgress
from tests import factories

pytestmark = pytest.mark.django_db

REFUSED = "Open the lesson and read it before you mark it as read."


def lessons_of(programme):
    return list(LessonPage.objects.child_of(programme).order_by("path"))


@pytest.fixture
def english(programme):
    return factories.programme(code="en", source=programme)


# Read only what was opened


def test_marking_a_lesson_never_opened_is_refused_and_nothing_is_recorded(client, prescriber, english):
    lesson = lessons_of(english)[0]
    client.force_login(prescriber)
    response = client.post(f"/en/lessons/{lesson.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == lesson.url
    assert not LessonProgress.objects.filter(user=prescriber).exists()
    assert REFUSED in client.get(response["Location"]).content.decode()


def test_a_lesson_opened_then_marked_read_is_recorded(client, prescriber, programme):
    lesson = lessons_of(programme)[0]
    client.force_login(prescriber)
    assert client.get(lesson.url).status_code == 200
    opened = LessonOpened.objects.get(user=prescriber, lesson_key=lesson.translation_key)
    assert opened.first_opened_at == opened.last_opened_at
    client.post(f"/nb/lessons/{lesson.pk}/read/")
    assert LessonProgress.objects.filter(user=prescriber, lesson_key=lesson.translation_key).exists()


def test_opening_lesson_a_does_not_allow_marking_lesson_b(client, prescriber, programme):
    first, second, _third = lessons_of(programme)
    client.force_login(prescriber)
    client.get(first.url)
    response = client.post(f"/nb/lessons/{second.pk}/read/")
    assert response["Location"] == second.url
    assert not LessonProgress.objects.filter(user=prescriber, lesson_key=second.translation_key).exists()


def test_opening_another_language_version_counts(client, prescriber, programme, english):
    client.force_login(prescriber)
    client.get(lessons_of(english)[0].url)
    norwegian = lessons_of(programme)[0]
    client.post(f"/nb/lessons/{norwegian.pk}/read/")
    assert LessonProgress.objects.filter(user=prescriber, lesson_key=norwegian.translation_key).exists()


def test_the_service_refuses_a_lesson_never_opened(prescriber, programme):
    with pytest.raises(services.LessonNotOpened):
        services.lesson_mark_read(user=prescriber, lesson=lessons_of(programme)[0])
    assert not LessonProgress.objects.filter(user=prescriber).exists()


def test_opening_again_keeps_the_first_time_and_is_one_query(
    prescriber, programme, django_assert_num_queries
):
    lesson = lessons_of(programme)[0]
    services.lesson_opened_record(user=prescriber, lesson=lesson)
    first = LessonOpened.objects.get(user=prescriber)
    with django_assert_num_queries(1):
        services.lesson_opened_record(user=prescriber, lesson=lesson)
    again = LessonOpened.objects.get(user=prescriber)
    assert again.first_opened_at == first.first_opened_at
    assert again.last_opened_at > first.last_opened_at


def test_a_refused_visitor_and_an_editors_preview_open_nothing(client, programme):
    lesson = lessons_of(programme)[0]
    assert client.get(lesson.url).status_code == 302  # not signed in
    editor = factories.MedicalAffairsFactory()
    client.force_login(editor)
    assert client.get(f"/admin/pages/{lesson.pk}/view_draft/").status_code == 200
    assert not LessonOpened.objects.exists()


def _lesson_page_queries(client, lesson):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(lesson.url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_lesson_page_query_count_does_not_grow_with_lessons(client, prescriber):
    small = factories.programme(slug="small", lessons=2)
    large = factories.programme(slug="large", lessons=12)
    factories.read_all(prescriber, small)
    factories.read_all(prescriber, large)
    client.force_login(prescriber)
    _lesson_page_queries(client, lessons_of(small)[0])  # warm caches (site root, locales)
    assert _lesson_page_queries(client, lessons_of(small)[1]) == _lesson_page_queries(
        client, lessons_of(large)[5]
    )


# Time to read


def words(n: int) -> str:
    return " ".join(["ord"] * n)


def test_reading_time_counts_intro_and_every_kind_of_text_at_200_words_a_minute():
    lesson = LessonPage(
        intro=words(10),
        body=[
            {"type": "text", "value": f"<p>{words(100)}</p>"},
            {
                "type": "key_message",
                "value": {"heading": words(5), "text": f"<p>{words(45)}</p>", "anchor": "x"},
            },
            {"type": "checklist", "value": {"heading": words(5), "items": [words(20), words(15)]}},
            {
                "type": "table",
                "value": {
                    "caption": words(2),
                    "columns": [{"type": "text", "heading": words(1)}, {"type": "text", "heading": words(1)}],
                    "rows": [{"values": [words(3), words(3)]}],
                },
            },
        ],
    )
    assert selectors.lesson_word_count(lesson=lesson) == 210
    assert selectors.reading_minutes(lesson=lesson) == 2  # 210 words: rounded up


@pytest.mark.parametrize(("count", "minutes"), [(0, 1), (1, 1), (200, 1), (201, 2), (400, 2), (401, 3)])
def test_reading_time_is_rounded_up_and_at_least_one_minute(count, minutes):
    lesson = LessonPage(intro="", body=[{"type": "text", "value": f"<p>{words(count)}</p>"}])
    assert selectors.reading_minutes(lesson=lesson) == minutes


def test_lesson_and_programme_pages_show_reading_times(client, prescriber, programme, english):
    first, second, _third = lessons_of(english)
    second.body = [{"type": "text", "value": f"<p>{words(450)}</p>"}]  # with the intro: 3 minutes
    second.save_revision().publish()
    client.force_login(prescriber)
    assert "About 3 minutes to read" in client.get(second.url).content.decode()
    assert "About 1 minute to read" in client.get(first.url).content.decode()
    body = client.get(english.url).content.decode()
    assert re.findall(r'class="lesson-time">(\d+) min<', body) == ["1", "3", "1"]
    assert "Reading time for the whole programme: about 5 minutes." in body


# Lesson navigation


def test_a_lesson_lists_the_programme_with_the_current_one_marked_and_links_on(client, prescriber, english):
    first, second, third = lessons_of(english)
    factories.read_all(prescriber, english)
    LessonProgress.objects.filter(lesson_key=third.translation_key).delete()
    client.force_login(prescriber)
    body = client.get(second.url).content.decode()
    assert body.count('aria-current="page"') == 1
    assert f'href="{second.url}" aria-current="page"' in body
    assert f'rel="prev" href="{first.url}"' in body
    assert f'rel="next" href="{third.url}"' in body
    states = re.findall(r'class="lesson-entry lesson-(\w+)', body)
    assert states == ["read", "read", "unread"]


def test_the_read_that_completes_the_programme_leads_to_the_programme_page(client, prescriber, programme):
    first, second, third = lessons_of(programme)
    client.force_login(prescriber)
    for lesson in (first, third):
        client.get(lesson.url)
        client.post(f"/nb/lessons/{lesson.pk}/read/")
    client.get(second.url)
    response = client.post(f"/nb/lessons/{second.pk}/read/")
    assert response["Location"] == f"{programme.url}#progress"  # not on to lesson 3: everything is read


def test_once_everything_is_read_the_quiz_comes_first(client, prescriber, english):
    client.force_login(prescriber)
    lesson = lessons_of(english)[0]
    page = client.get(english.url).content.decode()
    assert page.index('id="lessons-heading"') < page.index('id="quiz-heading"')
    assert 'id="quiz-next-heading"' not in client.get(lesson.url).content.decode()
    factories.read_all(prescriber, english)
    page = client.get(english.url).content.decode()
    assert page.index('id="quiz-heading"') < page.index('id="lessons-heading"')
    body = client.get(lesson.url).content.decode()
    assert 'id="quiz-next-heading"' in body
    assert body.index(f'href="/en/quiz/{english.slug}/"') < body.index("<h1>")


# Content version and approval; dates


def test_programme_page_shows_content_version_and_last_approval_in_en_gb(
    client, prescriber, programme, english
):
    client.force_login(prescriber)
    lesson = lessons_of(programme)[0]
    approved = timezone.make_aware(datetime.datetime(2030, 3, 12, 23, 30), datetime.UTC)  # 13 March in Oslo
    ContentChange.objects.create(
        programme_key=programme.translation_key,
        revision=lesson.save_revision(),
        lesson_key=lesson.translation_key,
        object_title=lesson.title,
        material=True,
        summary="Ny dosering.",
        published_at=approved,
        content_version=2,
    )
    body = client.get(english.url).content.decode()
    assert (
        'Content version 2, last approved <time datetime="2030-03-13T00:30:00+01:00">13 March 2030</time>.'
        in body
    )
    assert "Source: “Testbrev”, sent by Firma AS on 16 April 2019." in body
    assert "13. mars 2030" in client.get(programme.url).content.decode()


def test_content_approval_is_the_latest_publication_of_its_pages_or_declared_changes(programme):
    assert selectors.programme_content_approval(programme=programme).approved_at is None  # never published
    lesson = lessons_of(programme)[1]
    lesson.save_revision().publish()
    published = LessonPage.objects.get(pk=lesson.pk).last_published_at
    approval = selectors.programme_content_approval(programme=programme)
    assert (approval.version, approval.approved_at) == (1, published)
    later = published + datetime.timedelta(days=3)
    ContentChange.objects.create(  # e.g. a quiz question, approved in the other language
        programme_key=programme.translation_key,
        revision=programme.save_revision(),
        object_title="Spørsmål",
        material=False,
        summary="Skrivefeil.",
        published_at=later,
    )
    approval = selectors.programme_content_approval(programme=programme)
    assert (approval.version, approval.approved_at) == (1, later)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ("13 March 2030", "13 March 2030, 00:30", "13/03/2030", "13/03/2030 00:30", "00:30")),
        ("nb", ("13. mars 2030", "13. mars 2030 00:30", "13.03.2030", "13.03.2030 00:30", "00:30")),
    ],
)
def test_dates_follow_each_languages_own_format(language, expected):
    """English as written in Britain and Norway (day month year, 24-hour clock); bokmål as in Norway."""
    moment = timezone.localtime(timezone.make_aware(datetime.datetime(2030, 3, 12, 23, 30), datetime.UTC))
    names = ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT")
    with translation.override(language):
        assert tuple(formats.date_format(moment, name) for name in names) == expected
