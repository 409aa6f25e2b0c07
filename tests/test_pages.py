"""Course pages: both languages, access rules, learner progress and the locked quiz."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import LessonPage, LessonProgress
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_page_renders_in_both_languages_with_matching_lang(client, programme):
    nb = client.get("/nb/")
    assert nb.status_code == 200
    assert '<html lang="nb">' in nb.content.decode()
    assert programme.title in nb.content.decode()


def test_course_pages_require_login(client, programme):
    lesson = LessonPage.objects.child_of(programme).first()
    for url in (programme.url, lesson.url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/nb/accounts/login/?next=")


def test_programme_and_lessons_render_in_both_locales(client, prescriber):
    nb = factories.programme(code="nb")
    en = factories.programme(code="en", source=nb)
    client.force_login(prescriber)
    for page, lang in ((nb, "nb"), (en, "en")):
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        body = response.content.decode()
        assert f'<html lang="{lang}">' in body
        assert page.title in body
        lesson = LessonPage.objects.child_of(page).first()
        assert f'<html lang="{lang}">' in client.get(lesson.url).content.decode()


def test_language_switcher_links_to_the_translation_of_the_page(client, prescriber):
    nb = factories.programme(code="nb")
    en = factories.programme(code="en", source=nb)
    client.force_login(prescriber)
    body = client.get(nb.url).content.decode()
    assert f'href="{en.url}" lang="en"' in body
    client.logout()
    body = client.get("/en/accounts/login/").content.decode()
    assert 'href="/nb/accounts/login/" lang="nb" hreflang="nb">Norsk bokmål</a>' in body


def _open(client, lesson):
    assert client.get(lesson.url).status_code == 200


def test_marking_a_lesson_read_moves_on_to_the_next_lesson(client, prescriber, programme):
    client.force_login(prescriber)
    first, second, _third = LessonPage.objects.child_of(programme).order_by("path")
    _open(client, first)
    response = client.post(f"/nb/lessons/{first.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == second.url
    assert LessonProgress.objects.filter(user=prescriber, lesson_key=first.translation_key).exists()


def test_marking_the_last_lesson_read_returns_to_the_programme(client, prescriber, programme):
    client.force_login(prescriber)
    last = LessonPage.objects.child_of(programme).order_by("path").last()
    _open(client, last)
    response = client.post(f"/nb/lessons/{last.pk}/read/")
    assert response["Location"] == programme.url


def test_marking_read_twice_records_it_once_and_needs_post(client, prescriber, programme):
    client.force_login(prescriber)
    lesson = LessonPage.objects.child_of(programme).first()
    _open(client, lesson)
    client.post(f"/nb/lessons/{lesson.pk}/read/")
    client.post(f"/nb/lessons/{lesson.pk}/read/")
    assert LessonProgress.objects.filter(user=prescriber).count() == 1
    assert client.get(f"/nb/lessons/{lesson.pk}/read/").status_code == 405


def test_progress_bar_and_continue_where_you_left_off(client, prescriber, programme):
    client.force_login(prescriber)
    first, second, _third = LessonPage.objects.child_of(programme).order_by("path")
    _open(client, first)
    client.post(f"/nb/lessons/{first.pk}/read/")
    body = client.get(programme.url).content.decode()
    assert 'value="33"' in body
    assert "1 av 3 leksjoner lest" in body or "1 of 3 lessons read" in body
    assert f'href="{second.url}"' in body


def test_progress_survives_logout_and_counts_in_the_other_language(client, prescriber):
    nb = factories.programme(code="nb")
    en = factories.programme(code="en", source=nb)
    client.force_login(prescriber)
    for lesson in LessonPage.objects.child_of(nb):
        _open(client, lesson)
        client.post(f"/nb/lessons/{lesson.pk}/read/")
    client.logout()
    client.force_login(prescriber)
    response = client.get(en.url)
    assert response.context["progress"].percent == 100
    assert 'value="100"' in response.content.decode()


def test_quiz_is_locked_until_every_lesson_is_read(client, prescriber, programme):
    client.force_login(prescriber)
    body = client.get(programme.url).content.decode()
    assert 'class="card quiz-card quiz-locked"' in body
    assert f'href="/nb/quiz/{programme.slug}/"' not in body
    factories.read_all(prescriber, programme)
    body = client.get(programme.url).content.decode()
    assert f'href="/nb/quiz/{programme.slug}/"' in body


def test_draft_lessons_are_not_listed_or_counted(client, prescriber, programme):
    lesson = LessonPage.objects.child_of(programme).last()
    lesson.unpublish()
    client.force_login(prescriber)
    response = client.get(programme.url)
    assert response.context["progress"].total == 2


def _programme_page_queries(client, page):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page.url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_programme_page_query_count_does_not_grow_with_lessons(client, prescriber):
    small = factories.programme(slug="small", lessons=2)
    large = factories.programme(slug="large", lessons=12)
    factories.read_all(prescriber, small)
    factories.read_all(prescriber, large)
    client.force_login(prescriber)
    _programme_page_queries(client, small)  # warm caches (site root, locales)
    assert _programme_page_queries(client, small) == _programme_page_queries(client, large)


def test_an_impossible_lesson_id_is_not_found(client, prescriber):
    client.force_login(prescriber)
    assert client.post("/nb/lessons/99999999999999999999999/read/").status_code == 404
    assert client.post("/nb/lessons/999999/read/").status_code == 404


def test_editors_can_preview_a_draft_lesson(client, programme):
    draft = LessonPage(title="Utkast", slug="utkast", locale=programme.locale, live=False, body=[])
    programme.add_child(instance=draft)
    draft.save_revision()
    client.force_login(factories.MedicalAffairsFactory())
    response = client.get(f"/admin/pages/{draft.pk}/view_draft/")
    assert response.status_code == 200
    assert "Utkast" in response.content.decode()
