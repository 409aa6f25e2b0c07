"""Language versions of a question follow their source on everything that decides scoring.

When a default-language (Norwegian) question is published, each translation whose type,
critical flag, topic, lesson link, link target, active flag or keyed options differ is brought
in step in a new draft, which is declared and submitted to Medical review like any change: the
translation's text stays as it was (an option the source added gets the source's text until a
translator replaces it). Until that draft is approved the translation is not drawn
(``quizzes.selectors.draw_pool``), so nobody is scored on an old key.
"""

import contextlib
import contextvars

from django.db import transaction
from wagtail.models import Locale

from courses import services as course_services
from courses.models import LessonPage

from .models import Option, Question, Topic
from .selectors import scoring_signature

_paused = contextvars.ContextVar("question_translation_sync_paused", default=False)


@contextlib.contextmanager
def translation_sync_paused():
    """For the content loader, which loads every language itself."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def sync_is_paused() -> bool:
    return _paused.get()


def _synchronised(question: Question) -> tuple:
    """What a translation takes from its source: the scoring, and whether it is in the quiz."""
    return scoring_signature(question), question.active


def _in_step_copy(source: Question, draft: Question) -> Question | None:
    """``draft`` with the source's scoring applied, or None when a topic or lesson has no version
    in the draft's language yet (a translator must add it first)."""
    topic = Topic.objects.filter(translation_key=source.topic.translation_key, locale=draft.locale).first()
    if topic is None:
        return None
    lesson = None
    if source.lesson_id:
        lesson = LessonPage.objects.filter(
            translation_key=source.lesson.translation_key, locale=draft.locale
        ).first()
        if lesson is None:
            return None
    texts = {option.key: option.text for option in draft.options.all()}
    draft.topic, draft.lesson = topic, lesson
    draft.kind, draft.critical, draft.active = source.kind, source.critical, source.active
    draft.lesson_anchor = source.lesson_anchor
    draft.options = [
        Option(key=o.key, text=texts.get(o.key, o.text), is_correct=o.is_correct, sort_order=i)
        for i, o in enumerate(source.options.all())
    ]
    return draft


@transaction.atomic
def question_translations_sync(*, source: Question) -> list[Question]:
    """Submit an in-step draft of each translation of ``source`` whose scoring differs from it.

    Translations already in review are left alone (the reviewer sees the source's change on the
    dashboard's *Translations to update*). Returns the translations submitted.
    """
    if source.locale_id != Locale.get_default().pk or not source.live:
        return []
    from courses import selectors as course_selectors

    submitted = []
    for translation in Question.objects.filter(translation_key=source.translation_key).exclude(
        locale=source.locale
    ):
        if translation.workflow_in_progress:
            continue
        draft = translation.get_latest_revision_as_object()
        if _synchronised(draft) == _synchronised(source):
            continue
        draft = _in_step_copy(source, draft)
        if draft is None:
            continue
        revision = draft.save_revision(user=None, log_action=True)
        programme_key, lesson_key = course_selectors.change_scope(obj=draft)
        course_services.content_change_declare(
            revision=revision,
            programme_key=programme_key,
            lesson_key=lesson_key,
            title=str(draft),
            material=False,
            summary="Brought in step with the Norwegian source: type, critical flag, topic, lesson "
            "link and keyed options as published there. The text is unchanged; check it.",
            user=None,
        )
        workflow = draft.get_workflow()
        if workflow is not None:
            workflow.start(draft, None)
        submitted.append(draft)
    return submitted
