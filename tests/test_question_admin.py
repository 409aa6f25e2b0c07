"""Medical affairs edit the question bank in the Wagtail admin."""

import pytest

from quizzes.models import Question, Topic
from tests import factories

pytestmark = pytest.mark.django_db

ADD = "/admin/snippets/quizzes/question/add/?locale=nb"


def _form(topic, *, correct=("a",), kind="single"):
    data = {
        "topic": topic.pk,
        "kind": kind,
        "text": "Hvem kan starte behandling?",
        "rationale": "Fordi brevet sier det.",
        "lesson": "",
        "active": "on",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "2",
        "options-MAX_NUM_FORMS": "1000",
    }
    for i, key in enumerate("abc"):
        data[f"options-{i}-key"] = key
        data[f"options-{i}-text"] = f"Svar {key}"
        data[f"options-{i}-ORDER"] = str(i + 1)
        data[f"options-{i}-id"] = ""
        if key in correct:
            data[f"options-{i}-is_correct"] = "on"
    return data


@pytest.fixture
def topic(programme):
    return Topic.objects.create(programme=programme, name="Indikasjon", locale=programme.locale)


def test_a_single_choice_question_with_two_right_answers_is_refused(client, topic):
    client.force_login(factories.MedicalAffairsFactory())
    response = client.post(ADD, _form(topic, correct=("a", "b")))
    assert response.status_code == 200
    body = response.content.decode()
    assert "exactly one option as correct" in body or "nøyaktig ett svaralternativ som riktig" in body
    assert not Question.objects.exists()


def test_a_new_question_is_saved_as_a_draft_that_is_not_drawn(client, topic):
    client.force_login(factories.MedicalAffairsFactory())
    response = client.post(ADD, _form(topic))
    assert response.status_code == 302
    question = Question.objects.get()
    assert not question.live
    assert [o.key for o in question.options.all() if o.is_correct] == ["a"]
    assert not Question.objects.drawable().exists()


def test_a_multiple_choice_question_needs_a_wrong_option(client, topic):
    client.force_login(factories.MedicalAffairsFactory())
    response = client.post(ADD, _form(topic, correct=("a", "b", "c"), kind="multiple"))
    assert response.status_code == 200
    assert not Question.objects.exists()


@pytest.fixture
def lesson_with_target(programme):
    from wagtail.rich_text import RichText

    lesson = programme.get_children().specific().first()
    lesson.body = [
        (
            "key_message",
            {"heading": "Hvem", "text": RichText("<p>Bare nevrologer.</p>"), "anchor": "who-starts"},
        )
    ]
    lesson.save_revision().publish()
    return lesson


def test_a_link_target_the_lesson_does_not_have_is_refused_and_nothing_is_saved(
    client, topic, lesson_with_target
):
    client.force_login(factories.MedicalAffairsFactory())
    data = _form(topic) | {"lesson": lesson_with_target.pk, "lesson_anchor": "who-startz"}
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert "who-starts" in response.content.decode()  # the targets it does have are named
    assert not Question.objects.exists()


def test_a_link_target_the_lesson_has_is_saved(client, topic, lesson_with_target):
    client.force_login(factories.MedicalAffairsFactory())
    data = _form(topic) | {"lesson": lesson_with_target.pk, "lesson_anchor": "who-starts"}
    assert client.post(ADD, data).status_code == 302
    assert Question.objects.get().lesson_anchor == "who-starts"


def test_a_topic_of_another_language_is_refused_and_nothing_is_saved(client, programme):
    from tests import factories as f

    english = f.programme(code="en", source=programme)
    english_topic = Topic.objects.create(programme=english, name="Indication", locale=english.locale)
    client.force_login(f.MedicalAffairsFactory())
    response = client.post(ADD, _form(english_topic))
    assert response.status_code == 200
    body = response.content.decode()
    assert "in the question&#x27;s language" in body or "spørsmålets språk" in body
    assert not Question.objects.exists()


def test_a_translation_opens_in_the_translation_editor_which_offers_only_its_texts(client, programme):
    from tests import factories as f
    from tests.test_material_change import edit_url, question_form

    english = f.programme(code="en", source=programme)
    source = f.question_bank(programme, topics=1, per_topic=1)[0]
    translation = f.translate_bank([source], english)[0]
    client.force_login(f.MedicalAffairsFactory())
    page = client.get(edit_url(translation)).content.decode()
    assert "Question q1-1" in page and "A (en)" in page  # the texts, with their translations
    assert 'name="kind"' not in page and 'name="critical"' not in page  # no scoring fields

    # Posting the ordinary form to it changes nothing: keyed answer and text stay as reviewed.
    data = question_form(Question.objects.get(pk=translation.pk), correct="b", action=None)
    data["text"] = "Who may start treatment?"
    client.post(edit_url(translation), data)
    saved = Question.objects.get(pk=translation.pk).get_latest_revision_as_object()
    assert saved.text == "Question q1-1"
    assert [o.key for o in saved.options.all() if o.is_correct] == ["a"]


def test_a_translation_edited_outside_the_translation_editor_still_cannot_change_its_keyed_answer(
    client, programme
):
    from wagtail_localize.models import Translation

    from tests import factories as f
    from tests.test_material_change import edit_url, question_form

    english = f.programme(code="en", source=programme)
    source = f.question_bank(programme, topics=1, per_topic=1)[0]
    translation = f.translate_bank([source], english)[0]
    Translation.objects.filter(source__object_id=source.translation_key).update(enabled=False)  # "stopped"
    client.force_login(f.MedicalAffairsFactory())
    draft = Question.objects.get(pk=translation.pk).get_latest_revision_as_object()
    data = question_form(draft, correct="b", action=None)  # tries to key option b instead of a
    data["text"] = "Who may start treatment?"
    assert client.post(edit_url(translation), data).status_code == 302
    saved = Question.objects.get(pk=translation.pk).get_latest_revision_as_object()
    assert saved.text == "Who may start treatment?"
    assert [o.key for o in saved.options.all() if o.is_correct] == ["a"]


def test_translate_copies_a_question_with_the_topic_and_lesson_of_its_language(programme):
    from wagtail.models import Locale

    from courses.models import LessonPage
    from tests import factories as f

    english = f.programme(code="en", source=programme)
    source = f.question_bank(programme, topics=1, per_topic=1)[0]
    f.translate_bank([source], english)  # the English topic exists
    Question.objects.filter(locale__language_code="en").delete()
    copy = Question.objects.get(pk=source.pk).copy_for_translation(Locale.objects.get(language_code="en"))
    assert copy.topic.locale.language_code == "en"
    assert copy.lesson == LessonPage.objects.get(
        translation_key=source.lesson.translation_key, locale=english.locale
    )
