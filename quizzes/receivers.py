"""Signal receivers of the quizzes app (connected in ``QuizzesConfig.ready``)."""

import logging

from django.db import transaction
from wagtail.signals import copy_for_translation_done, published

from .models import Question

logger = logging.getLogger(__name__)


def sync_translations_after_publish(sender, instance, **kwargs):
    from .translation_sync import question_translations_sync, sync_is_paused

    if sync_is_paused():
        return

    def sync():
        # After the publish has committed; a failure here must not undo the publish. What is
        # left out of step stays on the dashboard's "Translations to update" and out of the quiz.
        try:
            question_translations_sync(source=Question.objects.get(pk=instance.pk))
        except Exception:
            logger.exception("Could not bring the translations of question %s in step", instance.pk)

    transaction.on_commit(sync)


def localise_translation_copy(sender, source_obj, target_obj, **kwargs):
    """Wagtail's "Translate" copies a question with the source's topic and lesson: point them at
    the versions in the copy's language (when they exist), so the copy starts in step."""
    if not isinstance(target_obj, Question):
        return
    from courses.models import LessonPage

    from .models import Topic

    topic = Topic.objects.filter(
        translation_key=source_obj.topic.translation_key, locale=target_obj.locale
    ).first()
    if topic is not None:
        target_obj.topic = topic
    if source_obj.lesson_id:
        target_obj.lesson = LessonPage.objects.filter(
            translation_key=source_obj.lesson.translation_key, locale=target_obj.locale
        ).first()


def connect():
    copy_for_translation_done.connect(localise_translation_copy, dispatch_uid="quizzes_localise_copy")
    published.connect(
        sync_translations_after_publish, sender=Question, dispatch_uid="quizzes_sync_translations"
    )
