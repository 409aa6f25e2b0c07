"""State changes for learner progress."""

from django.db import transaction

from .models import LessonPage, LessonProgress


@transaction.atomic
def lesson_mark_read(*, user, lesson: LessonPage) -> LessonProgress:
    """Record that the user has read the lesson (in any of its languages). Safe to repeat."""
    programme = lesson.get_parent()
    progress, _ = LessonProgress.objects.get_or_create(
        user=user,
        lesson_key=lesson.translation_key,
        defaults={"programme_key": programme.translation_key},
    )
    return progress
