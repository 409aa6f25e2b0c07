"""Medical affairs see which translations lag behind their Norwegian source."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import LessonPage
from quizzes import selectors
from quizzes.models import Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    nb = factories.programme(code="nb")
    en = factories.programme(code="en", source=nb)
    bank = factories.question_bank(nb, topics=1, per_topic=2)
    english = factories.translate_bank(bank, en)
    return nb, en, bank, english


def _reasons():
    return {(str(gap.source), gap.locale.language_code, gap.reason) for gap in selectors.translation_gaps()}


def test_translations_in_step_are_not_listed(versions):
    nb, *_ = versions
    # The lessons of both versions were published together: in step.
    assert not [gap for gap in selectors.translation_gaps() if gap.is_question]


def test_a_changed_key_in_the_source_is_listed_as_scoring_differs(versions):
    _, _, bank, _ = versions
    question = Question.objects.get(pk=bank[0].pk)
    options = list(question.options.all())
    for option in options:
        option.is_correct = option.key == "b"
    question.options = options
    question.save_revision().publish()
    assert (str(question), "en", "scoring") in _reasons()


def test_a_source_question_without_a_translation_is_listed_as_missing():
    nb = factories.programme(code="nb")
    factories.programme(code="en", source=nb)
    bank = factories.question_bank(nb, topics=1, per_topic=1)
    assert (str(bank[0]), "en", "missing") in _reasons()


def test_a_lesson_published_again_after_its_translation_is_listed_as_older(versions):
    nb, *_ = versions
    lesson = LessonPage.objects.child_of(nb).first()
    lesson.intro = "Ny innledning."
    revision = lesson.save_revision()
    revision.publish()
    LessonPage.objects.filter(pk=lesson.pk).update(last_published_at=timezone.now() + timedelta(seconds=5))
    assert (str(LessonPage.objects.get(pk=lesson.pk)), "en", "older") in _reasons()


def test_the_dashboard_lists_gaps_for_medical_affairs_only(client, versions):
    _, _, bank, _ = versions
    question = Question.objects.get(pk=bank[1].pk)
    question.critical = True
    question.save_revision().publish()
    client.force_login(factories.MedicalAffairsFactory())
    body = client.get("/admin/").content.decode()
    assert 'id="translation-gaps"' in body or "translation-gaps" in body
    client.force_login(factories.ComplianceFactory())
    assert "translation-gaps" not in client.get("/admin/").content.decode()
