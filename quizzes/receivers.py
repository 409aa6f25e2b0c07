"""Signal receivers of the quizzes app (connected in ``QuizzesConfig.ready``)."""

from wagtail.signals import copy_for_translation_done

from .models import Question


def localise_translation_copy(sender, source_obj, target_obj, **kwargs):
    """A translation copy of a question starts with the source's topic and lesson: point them at
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
