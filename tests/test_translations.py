"""Translations with wagtail-localize: Norwegian source, English translation, synchronised scoring,
drafts through Medical review, and the existing English adopted without losing a word."""

import importlib

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale
from wagtail_localize.fields import SynchronizedField, TranslatableField, get_translatable_fields
from wagtail_localize.models import StringTranslation, Translation, TranslationSource
from wagtail_localize.operations import translate_object
from wagtail_localize.segments import OverridableSegmentValue, StringSegmentValue
from wagtail_localize.segments.extract import extract_segments

from content.loader import body_prep
from courses import translation as tr
from courses.models import LessonPage, ProgrammeIndexPage, ProgrammePage
from quizzes import selectors
from quizzes.models import Option, Question, Topic
from tests import factories
from tests.programme_snapshot import programme_install
from tests.test_material_change import edit_url

pytestmark = pytest.mark.django_db


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def rendered_text(obj) -> dict:
    """What a learner reads of a page or question (block ids left out)."""
    out = {}
    for name in (
        "title",
        "slug",
        "intro",
        "summary",
        "product",
        "source_title",
        "source_sender",
        "source_authority",
        "source_status_note",
        "text",
        "rationale",
        "kind",
        "critical",
        "lesson_anchor",
    ):
        if hasattr(obj, name):
            out[name] = getattr(obj, name)
    if hasattr(obj, "body"):
        out["body"] = str(obj.body.render_as_block())
    if isinstance(obj, ProgrammePage):
        out["topics"] = [(t.key, t.name) for t in obj.quiz_topics.all()]
    if isinstance(obj, Question):
        out["options"] = [(o.key, o.text, o.is_correct) for o in obj.options.all()]
        out["topic"] = (obj.topic.translation_key, obj.topic.locale_id)
        out["lesson"] = (obj.lesson.translation_key, obj.lesson.locale_id) if obj.lesson else None
    return out


@pytest.fixture
def pair():
    """A Norwegian programme with one question, and its English translation (as the loader makes
    it: adopted by wagtail-localize)."""
    nb = factories.programme(code="nb", questions_per_topic=1)
    en = factories.programme(code="en", source=nb)
    source = factories.question_bank(nb, topics=1, per_topic=1)[0]
    english = factories.translate_bank([source], en)[0]
    return nb, en, fresh(source), fresh(english)


def _publish_key(question, key):
    question = fresh(question)
    options = list(question.options.all())
    for option in options:
        option.is_correct = option.key == key
    question.options = options
    question.save_revision().publish()


def _translation(obj) -> Translation:
    return Translation.objects.get(source__object_id=obj.translation_key, target_locale__language_code="en")


# -- what is translated, what is synchronised ---------------------------------------------------


def _kinds(model):
    kinds = {}
    for f in get_translatable_fields(model):
        if isinstance(f, SynchronizedField):
            kinds[f.field_name] = "synced-overridable" if f.overridable else "synced"
        elif isinstance(f, TranslatableField):
            kinds[f.field_name] = "translated"
    return kinds


def test_scoring_and_structure_follow_the_source_and_only_text_is_translated():
    question = _kinds(Question)
    for name in ("kind", "critical", "active", "lesson", "lesson_anchor", "key"):
        assert question[name] == "synced", name
    assert question["topic"] == "translated"  # resolved to the topic's version in that language
    assert question["text"] == question["rationale"] == question["options"] == "translated"
    option = _kinds(Option)
    assert option["key"] == option["is_correct"] == "synced" and option["text"] == "translated"
    topic = _kinds(Topic)
    assert topic["name"] == "translated" and topic["key"] == topic["sort_order"] == "synced"
    programme = _kinds(ProgrammePage)
    for name in (
        "pass_mark",
        "questions_per_topic",
        "attestation_prefix",
        "answer_review",
        "source_date",
        "source_status",
        "review_due",
        "attestation_validity_months",
        "renewal_grace_days",
    ):
        assert programme[name] == "synced", name


def test_translators_are_given_texts_only(pair):
    _, _, source, _ = pair
    segments = extract_segments(source)
    strings = {s.path for s in segments if isinstance(s, StringSegmentValue)}
    options = {f"options.{o.translation_key}.text" for o in source.options.all()}
    assert strings == {"text", "rationale"} | options
    assert not [s for s in segments if isinstance(s, OverridableSegmentValue)]

    lesson = LessonPage(
        title="Leksjon",
        body=body_prep(
            [
                {
                    "type": "key_message",
                    "value": {"heading": "Viktig", "text": "<p>Tekst.</p>", "anchor": "hlh"},
                },
                {
                    "type": "checklist",
                    "value": {"heading": "Sjekk", "items": ["Ett", "To"], "anchor": "sjekk"},
                },
                {
                    "type": "table",
                    "value": {
                        "caption": "Tabell",
                        "columns": [{"type": "text", "heading": "Når"}],
                        "rows": [{"values": ["Dag 1"]}],
                    },
                },
            ]
        ),
    )
    texts = sorted(s.render_text() for s in extract_segments(lesson) if isinstance(s, StringSegmentValue))
    assert texts == sorted(["Leksjon", "Viktig", "Tekst.", "Sjekk", "Ett", "To", "Tabell", "Når", "Dag 1"])


# -- the existing English becomes the translation, text intact ----------------------------------


def test_the_loaded_english_is_the_translation_and_wagtail_localize_reproduces_it_exactly():
    programme_install()
    english = Locale.objects.get(language_code="en")
    targets = [
        *ProgrammeIndexPage.objects.filter(locale=english),
        *ProgrammePage.objects.filter(locale=english),
        *LessonPage.objects.filter(locale=english),
        *Question.objects.filter(locale=english),
    ]
    assert len(targets) > 50
    for target in targets:
        translation = _translation(target)
        assert tr.missing_strings(translation) == 0, target
        assert rendered_text(tr.translated_instance(translation)) == rendered_text(fresh(target)), target


def test_the_migration_adopts_existing_english_without_changing_what_learners_read():
    programme_install()
    english = Locale.objects.get(language_code="en")
    targets = [*LessonPage.objects.filter(locale=english), *Question.objects.filter(locale=english)]
    before = [rendered_text(fresh(t)) for t in targets]
    # As before this change: the English linked by translation_key only.
    Translation.objects.all().delete()
    TranslationSource.objects.all().delete()
    StringTranslation.objects.all().delete()

    migration = importlib.import_module("quizzes.migrations.0012_english_becomes_a_translation")
    migration.adopt(None, None)

    assert [rendered_text(fresh(t)) for t in targets] == before
    for target in targets:
        translation = _translation(target)
        assert tr.missing_strings(translation) == 0
        assert rendered_text(tr.translated_instance(translation)) == rendered_text(fresh(target))


# -- a source change reaches the translation through review -------------------------------------


def test_a_changed_key_is_submitted_in_english_with_the_english_text_and_nothing_changes_until_approved(
    pair, django_capture_on_commit_callbacks
):
    nb, en, source, english = pair
    with django_capture_on_commit_callbacks(execute=True):
        _publish_key(source, "b")

    english = fresh(english)
    assert [o.key for o in english.options.all() if o.is_correct] == ["a"]  # live: as approved
    state = english.current_workflow_state
    assert state is not None and state.status == "in_progress"
    draft = english.get_latest_revision_as_object()
    assert [o.key for o in draft.options.all() if o.is_correct] == ["b"]
    assert [o.text for o in draft.options.all()] == ["A (en)", "B (en)", "C (en)"]
    assert draft.text == "Question q1-1"
    assert source.key not in [q.key for q in selectors.draw_pool(programme=en, locale=en.locale)[0]]

    reviewer = factories.MedicalAffairsFactory()
    with django_capture_on_commit_callbacks(execute=True):
        state.current_task_state.task.specific.on_action(state.current_task_state, reviewer, "approve")
    english = fresh(english)
    assert [o.key for o in english.options.all() if o.is_correct] == ["b"]
    assert [q.key for q in selectors.draw_pool(programme=en, locale=en.locale)[0]] == [source.key]


def test_a_changed_source_text_leaves_the_translation_out_of_date_until_a_translator_submits_it(
    client, pair, django_capture_on_commit_callbacks
):
    nb, en, source, english = pair
    source = fresh(source)
    source.text = "Hvem kan starte behandling?"
    with django_capture_on_commit_callbacks(execute=True):
        source.save_revision().publish()

    english = fresh(english)
    assert english.current_workflow_state is None  # nothing to submit: one text is not translated
    assert tr.translation_status(english).missing == 1
    gaps = [g for g in selectors.translation_gaps() if g.translation and g.translation.pk == english.pk]
    assert [g.reason for g in gaps] == ["untranslated"]

    translator = factories.MedicalAffairsFactory()
    client.force_login(translator)
    response = client.post(edit_url(english), {"action": "publish"}, follow=True)
    assert "not translated yet" in response.content.decode() or "ikke oversatt" in response.content.decode()
    assert fresh(english).current_workflow_state is None  # refused: it would show Norwegian text

    translation = _translation(english)
    segment = translation.source.stringsegment_set.get(context__path="text")
    StringTranslation.objects.create(
        translation_of=segment.string,
        context=segment.context,
        locale=english.locale,
        data="Who may start treatment?",
        last_translated_by=translator,
    )
    response = client.post(edit_url(english), {"action": "publish"})
    assert response.status_code == 302
    english = fresh(english)
    state = english.current_workflow_state
    assert state is not None and state.requested_by == translator
    assert english.text == "Question q1-1"  # live: unchanged until approved
    task = state.current_task_state.task.specific
    assert task.get_actions(english, translator) == []  # nobody approves their own translation
    with django_capture_on_commit_callbacks(execute=True):
        task.on_action(state.current_task_state, factories.MedicalAffairsFactory(), "approve")
    assert fresh(english).text == "Who may start treatment?"


def test_strings_a_person_translated_are_not_submitted_by_an_automatic_sync(
    pair, django_capture_on_commit_callbacks
):
    nb, en, source, english = pair
    translator = factories.MedicalAffairsFactory()
    StringTranslation.objects.filter(locale=english.locale, data="Question q1-1").update(
        data="Question one", last_translated_by=translator, updated_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        _publish_key(source, "b")
    # The translator's unreviewed wording would reach review under nobody's name: left to them.
    assert fresh(english).current_workflow_state is None


# -- wagtail-localize never publishes here ------------------------------------------------------


def test_every_write_path_of_wagtail_localize_saves_a_draft_for_review_never_the_live_version(
    pair, django_capture_on_commit_callbacks
):
    nb, en, source, english = pair
    source = fresh(source)
    options = list(source.options.all())
    for option in options:
        option.is_correct = option.key == "c"
    source.options = options
    source.save_revision().publish()  # no receivers run (no commit): the sync did not happen
    translation = _translation(english)
    translation.source.update_from_db()

    translation.save_target(publish=True)  # what "Publish" and "Sync translations" call

    english = fresh(english)
    assert english.live and [o.key for o in english.options.all() if o.is_correct] == ["a"]
    assert english.current_workflow_state is not None
    draft = english.get_latest_revision_as_object()
    assert [o.key for o in draft.options.all() if o.is_correct] == ["c"]


def test_translating_a_new_question_makes_a_draft_that_is_not_drawn_until_published(pair):
    nb, en, source, _ = pair
    new = Question(
        topic=source.topic,
        kind="single",
        text="Nytt spørsmål?",
        rationale="Fordi.",
        lesson=source.lesson,
        locale=nb.locale,
        key="new",
    )
    new.options = [Option(key="a", text="Ja", is_correct=True), Option(key="b", text="Nei")]
    new.save()
    new.save_revision().publish()
    translate_object(fresh(new), [en.locale], user=factories.MedicalAffairsFactory())  # "Translate"

    english = Question.objects.get(translation_key=new.translation_key, locale=en.locale)
    assert not english.live and english.current_workflow_state is None
    assert english.live_revision is None and english.first_published_at is None  # not the source's
    assert english.topic.locale == en.locale and english.lesson.locale == en.locale
    assert {o.key: o.is_correct for o in english.options.all()} == {"a": True, "b": False}
    assert "new" not in [q.key for q in selectors.draw_pool(programme=en, locale=en.locale)[0]]


def test_medical_affairs_get_the_translation_editor_with_a_submit_button(client, pair):
    _, _, _, english = pair
    client.force_login(factories.MedicalAffairsFactory())
    page = client.get(edit_url(english))
    assert page.status_code == 200
    assert b"&quot;canPublish&quot;: true" in page.content  # the button, which submits for review
    catalog = client.get(reverse("wagtail_localize:javascript_catalog"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Submit for review in " in catalog.content.decode()


def test_a_translator_may_not_approve_her_texts_when_a_colleague_submits_them(
    client, pair, django_capture_on_commit_callbacks
):
    nb, en, source, english = pair
    translator, colleague, reviewer = (factories.MedicalAffairsFactory() for _ in range(3))
    StringTranslation.objects.filter(locale=english.locale, data="Question q1-1").update(
        data="Question one", last_translated_by=translator, updated_at=timezone.now()
    )
    client.force_login(colleague)
    assert client.post(edit_url(english), {"action": "publish"}).status_code == 302
    english = fresh(english)
    task_state = english.current_workflow_state.current_task_state
    task = task_state.task.specific
    assert task.get_actions(fresh(english), translator) == []  # her text is in it
    assert task.get_actions(fresh(english), colleague) == []  # he submitted it
    assert task.get_actions(fresh(english), reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        task.on_action(task_state, reviewer, "approve")
    assert fresh(english).text == "Question one"


def test_convert_to_alias_and_stop_synced_translation_are_refused(client, pair):
    from wagtail_localize.models import Translation as LocalizeTranslation

    nb, en, source, english = pair
    lesson = LessonPage.objects.filter(locale=en.locale).first()
    tr.translation_adopt(
        LessonPage.objects.get(translation_key=lesson.translation_key, locale=nb.locale), lesson
    )
    client.force_login(factories.MedicalAffairsFactory())
    page = client.get(edit_url(lesson)).content.decode()
    assert "localize-convert-to-alias" not in page

    response = client.post(reverse("wagtail_localize:convert_to_alias", args=[lesson.pk]), {}, follow=True)
    assert "switched off" in response.content.decode() or "slått av" in response.content.decode()
    lesson = fresh(lesson)
    assert lesson.alias_of_id is None and lesson.live and lesson.title == "Leksjon 1 (en)"

    translation = _translation(english)
    client.post(reverse("wagtail_localize:stop_translation", args=[translation.pk]), {})
    assert LocalizeTranslation.objects.get(pk=translation.pk).enabled


def test_the_update_translations_page_says_it_saves_drafts(client, pair):
    _, _, source, _ = pair
    client.force_login(factories.MedicalAffairsFactory())
    translation_source = TranslationSource.objects.get(object_id=source.translation_key)
    page = client.get(
        reverse("wagtail_localize:update_translations", args=[translation_source.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Publish immediately" not in page
    assert "Submit complete translations for Medical review" in page
