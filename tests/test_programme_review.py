"""Review dates on the Medical affairs dashboard, and the source letter's status on the learner pages."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page

from courses.models import LessonPage, ProgrammePage
from courses.selectors import programmes_due_for_review
from lms import roles
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)
SUPERSEDED_NOTICE = "This programme is based on a safety communication that has been superseded"


def _programme(slug, review_due, **fields):
    return factories.programme(slug=slug, lessons=1, review_due=review_due, **fields)


def test_programmes_due_for_review_lists_overdue_then_due_soon_then_undated():
    _programme("not-due", TODAY + datetime.timedelta(days=31))
    undated = _programme("undated", None)
    soon = _programme("soon", TODAY + datetime.timedelta(days=30))
    overdue = _programme("overdue", TODAY - datetime.timedelta(days=3))
    today = _programme("today", TODAY)

    entries = programmes_due_for_review(today=TODAY, within_days=30)

    assert [e.programme.pk for e in entries] == [overdue.pk, today.pk, soon.pk, undated.pk]
    assert [e.days_left for e in entries] == [-3, 0, 30, None]
    assert [e.overdue for e in entries] == [True, False, False, False]
    assert entries[0].days_overdue == 3


def test_programmes_due_for_review_includes_drafts_but_not_translations():
    nb = _programme("draft", TODAY - datetime.timedelta(days=1))
    ProgrammePage.objects.filter(pk=nb.pk).update(live=False)
    factories.programme(code="en", source=nb, slug="draft", lessons=1, review_due=TODAY)

    entries = programmes_due_for_review(today=TODAY)

    assert [e.programme.pk for e in entries] == [nb.pk]
    assert entries[0].programme.live is False


def test_within_days_sets_how_far_ahead_counts_as_due():
    page = _programme("in-ten", TODAY + datetime.timedelta(days=10))
    assert programmes_due_for_review(today=TODAY, within_days=9) == []
    assert [e.programme.pk for e in programmes_due_for_review(today=TODAY, within_days=10)] == [page.pk]


def _dashboard(client, user):
    client.force_login(user)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_medical_affairs_dashboard_lists_an_overdue_programme_with_its_edit_link(client):
    page = _programme("overdue", timezone.localdate() - datetime.timedelta(days=5))

    body = _dashboard(client, factories.MedicalAffairsFactory())

    assert "Programmes due for review" in body
    assert f'href="/admin/pages/{page.pk}/edit/"' in body
    assert "Overdue by 5 days" in body


def test_medical_affairs_dashboard_says_when_a_programme_has_no_review_date(client):
    _programme("undated", None)
    body = _dashboard(client, factories.MedicalAffairsFactory())
    assert "No review date set" in body


def test_dashboard_shows_no_review_panel_when_nothing_is_due(client):
    _programme("later", timezone.localdate() + datetime.timedelta(days=200))
    body = _dashboard(client, factories.MedicalAffairsFactory())
    assert "Programmes due for review" not in body


def test_compliance_officer_dashboard_has_no_review_panel(client):
    _programme("overdue", timezone.localdate() - datetime.timedelta(days=5))
    body = _dashboard(client, factories.ComplianceFactory())
    assert "Programmes due for review" not in body


def test_medical_affairs_without_page_permissions_sees_no_review_panel(client):
    _programme("overdue", timezone.localdate() - datetime.timedelta(days=5))
    Group.objects.get(name=roles.MEDICAL_AFFAIRS).page_permissions.all().delete()
    body = _dashboard(client, factories.MedicalAffairsFactory())
    assert "Programmes due for review" not in body


def test_superseded_programme_says_so_at_the_top_with_the_note_in_both_languages(client, prescriber):
    nb = factories.programme(
        code="nb", source_status="superseded", source_status_note="Første linje.\nAndre linje."
    )
    en = factories.programme(
        code="en", source=nb, source_status="superseded", source_status_note="First line.\nSecond line."
    )
    client.force_login(prescriber)

    en_body = client.get(en.url).content.decode()
    assert SUPERSEDED_NOTICE in en_body
    assert "<p>First line.<br>Second line.</p>" in en_body
    assert en_body.index(SUPERSEDED_NOTICE) < en_body.index('class="lead"')

    nb_body = client.get(nb.url).content.decode()
    assert 'class="card source-superseded"' in nb_body
    assert "<p>Første linje.<br>Andre linje.</p>" in nb_body


def test_current_programme_shows_its_source_and_status_but_no_superseded_notice(client, prescriber):
    nb = factories.programme(code="nb")
    en = factories.programme(code="en", source=nb)
    client.force_login(prescriber)

    body = client.get(en.url).content.decode()

    assert SUPERSEDED_NOTICE not in body
    assert "source-superseded" not in body
    assert "Testbrev" in body
    assert "16 April 2019" in body
    assert "Status: Current." in body


def test_lessons_of_a_superseded_programme_carry_the_notice(client, prescriber):
    nb = factories.programme(code="nb")
    en = factories.programme(
        code="en", source=nb, source_status="superseded", source_status_note="See the SPC."
    )
    lesson = LessonPage.objects.child_of(en).first()
    client.force_login(prescriber)

    body = client.get(lesson.url).content.decode()

    assert SUPERSEDED_NOTICE in body
    assert "See the SPC." in body
    assert SUPERSEDED_NOTICE not in client.get(LessonPage.objects.child_of(nb).first().url).content.decode()


def test_page_editors_outside_medical_affairs_see_no_review_panel(client):
    _programme("overdue", timezone.localdate() - datetime.timedelta(days=5))
    editors = Group.objects.create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=editors,
        page=Page.get_first_root_node(),
        permission=Permission.objects.get(codename="change_page"),
    )
    user = factories.ComplianceFactory()
    user.groups.add(editors)

    body = _dashboard(client, user)

    assert "Programmes due for review" not in body


def test_load_programme_sets_the_lemtrada_source_status_note_and_review_date(
    programme_loaded_once, client, prescriber
):
    pages = {p.locale.language_code: p for p in ProgrammePage.objects.filter(slug="lemtrada")}

    for code in ("nb", "en"):
        page = ProgrammePage.objects.get(pk=pages[code].pk)
        assert page.source_status == ProgrammePage.SourceStatus.SUPERSEDED
        assert "2019" in page.source_status_note and "SPC" in page.source_status_note
        assert page.review_due == datetime.date(2027, 11, 25)

    client.force_login(prescriber)
    body = client.get(pages["en"].url).content.decode()
    assert SUPERSEDED_NOTICE in body
    assert "follow the current product information" in body
