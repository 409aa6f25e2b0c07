"""Key messages and checklists can be linked to: the quiz sends a learner to exactly that part."""

import pytest
from django.utils import translation
from wagtail.blocks.stream_block import StreamBlockValidationError

from courses.blocks import LessonBodyBlock, body_anchors
from courses.models import LessonPage
from quizzes.models import Question
from tests import factories

pytestmark = pytest.mark.django_db


def _body(*anchors):
    block = LessonBodyBlock()
    raw = []
    for n, anchor in enumerate(anchors):
        if n % 2:
            raw.append({"type": "checklist", "value": {"heading": f"H{n}", "items": ["x"], "anchor": anchor}})
        else:
            raw.append(
                {"type": "key_message", "value": {"heading": f"H{n}", "text": "<p>x</p>", "anchor": anchor}}
            )
    return block, block.to_python(raw)


def test_distinct_link_targets_are_accepted():
    block, value = _body("hlh-signs", "liver-checks", "")
    assert body_anchors(block.clean(value)) == {"hlh-signs", "liver-checks"}


def test_a_link_target_used_twice_in_a_lesson_is_refused():
    block, value = _body("hlh-signs", "hlh-signs")
    with translation.override("en"), pytest.raises(StreamBlockValidationError) as refused:
        block.clean(value)
    assert set(refused.value.block_errors) == {1}
    with translation.override("en"):
        assert "already the link target" in str(refused.value.block_errors[1].block_errors["anchor"])


def test_a_link_target_that_the_page_itself_uses_is_refused():
    block, value = _body("main")
    with pytest.raises(StreamBlockValidationError) as refused:
        block.clean(value)
    assert set(refused.value.block_errors) == {0}


def test_the_lesson_page_gives_each_key_message_and_checklist_its_link_target_as_id(client):
    prescriber = factories.PrescriberFactory()
    programme = factories.programme(lessons=1)
    lesson = LessonPage.objects.child_of(programme).get()
    _, value = _body("hlh-signs", "hlh-what-to-do", "")
    lesson.body = value
    lesson.save_revision().publish()
    client.force_login(prescriber)
    body = client.get(lesson.url).content.decode()
    assert '<aside class="key-message" id="hlh-signs"' in body
    assert '<section class="checklist" id="hlh-what-to-do">' in body
    assert body.count('class="key-message"') == 2  # the third block has no target and no id
    assert body.count(' id="hlh-signs"') == 1


def test_every_lemtrada_question_links_to_a_part_of_its_lesson_in_both_languages(
    programme_loaded_once, client
):
    client.force_login(factories.PrescriberFactory())
    questions = Question.objects.filter(topic__programme__slug="lemtrada").select_related("lesson", "locale")
    by_language = {}
    for question in questions:
        by_language.setdefault(question.locale.language_code, {})[question.translation_key] = question
    assert set(by_language) == {"nb", "en"}
    assert by_language["nb"].keys() == by_language["en"].keys()
    pages = {}
    for code, bank in by_language.items():
        assert len(bank) >= 36
        for key, question in bank.items():
            assert question.lesson is not None, question.key
            assert question.lesson.locale.language_code == code
            lesson = question.lesson.specific
            assert question.lesson_anchor in body_anchors(lesson.body), (code, question.key)
            # the same anchor in every language version of the question
            assert question.lesson_anchor == by_language["nb"][key].lesson_anchor
            if lesson.pk not in pages:
                pages[lesson.pk] = client.get(lesson.url).content.decode()
            assert f' id="{question.lesson_anchor}"' in pages[lesson.pk], (code, question.key)


def test_the_lesson_versions_have_the_same_link_targets_in_nb_and_en(programme_loaded_once):
    lessons = LessonPage.objects.filter(locale__language_code__in=["nb", "en"]).select_related("locale")
    anchors = {}
    for lesson in lessons:
        anchors.setdefault(lesson.translation_key, {})[lesson.locale.language_code] = body_anchors(
            lesson.body
        )
    for versions in anchors.values():
        assert versions["nb"] == versions["en"]
        assert versions["nb"], "every Lemtrada lesson has parts to link to"
