"""State changes for learner progress and for declared content changes."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from .models import ContentChange, LessonOpened, LessonPage, LessonProgress
from .selectors import lesson_was_opened, programme_content_version
from .signals import material_change_published


class LessonNotOpened(Exception):
    """A lesson cannot be marked read before the server has delivered it to the learner."""

    message = _("Open the lesson and read it before you mark it as read.")


def lesson_opened_record(*, user, lesson: LessonPage) -> None:
    """The server delivered ``lesson`` to ``user``: remember it (one upsert, keyed by translation,
    so opening any language version counts)."""
    now = timezone.now()
    LessonOpened.objects.bulk_create(
        [LessonOpened(user=user, lesson_key=lesson.translation_key, first_opened_at=now, last_opened_at=now)],
        update_conflicts=True,
        unique_fields=["user", "lesson_key"],
        update_fields=["last_opened_at"],
    )


@transaction.atomic
def lesson_mark_read(*, user, lesson: LessonPage) -> LessonProgress:
    """Record that the user has read the lesson (in any of its languages). Safe to repeat.

    Refused with ``LessonNotOpened`` unless the lesson (in any language) was delivered to the
    user first. Reading it again moves the time forward, so a lesson changed since the last
    reading counts as read again.
    """
    if not lesson_was_opened(user=user, lesson=lesson):
        raise LessonNotOpened
    programme = lesson.get_parent()
    progress, _ = LessonProgress.objects.update_or_create(
        user=user,
        lesson_key=lesson.translation_key,
        defaults={"read_at": timezone.now()},
        create_defaults={"programme_key": programme.translation_key, "read_at": timezone.now()},
    )
    return progress


@transaction.atomic
def content_change_declare(*, revision, programme_key, lesson_key, title, material: bool, summary: str, user):
    """Keep what the editor said about a change submitted for review, bound to its revision."""
    change, _ = ContentChange.objects.update_or_create(
        revision=revision,
        defaults={
            "programme_key": programme_key,
            "lesson_key": lesson_key,
            "object_title": title[:255],
            "material": material,
            "summary": summary.strip(),
            "declared_by": user,
        },
    )
    log(
        instance=revision.content_object,
        action="courses.change_declared",
        user=user,
        revision=revision,
        data={"material": change.material, "summary": change.summary},
    )
    return change


@transaction.atomic
def content_change_published(*, revision, now=None):
    """A revision went live: mark its declaration published; a material one raises the version.

    Receivers of ``material_change_published`` (attestations) run in this transaction.
    """
    change = (
        ContentChange.objects.select_for_update().filter(revision=revision, published_at__isnull=True).first()
    )
    if change is None:
        return None
    change.published_at = now or timezone.now()
    if change.material:
        change.content_version = programme_content_version(programme_key=change.programme_key) + 1
    change.save(update_fields=["published_at", "content_version"])
    if change.material:
        log(
            instance=revision.content_object,
            action="courses.material_change_published",
            revision=revision,
            data={"content_version": change.content_version},
        )
        material_change_published.send(sender=ContentChange, change=change)
    return change
