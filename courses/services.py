"""State changes for learner progress and for declared content changes."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.actions.unpublish import UnpublishAction
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.log_actions import log
from wagtail.models import Page

from audit.services import audit_record
from lms.validators import visible_text

from . import selectors
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
def specific_object(obj):
    return obj.specific_deferred if isinstance(obj, Page) else obj


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
    audit_record(
        "content.submitted",
        actor=user,
        obj=specific_object(revision.content_object),
        payload={"revision": revision.pk, "material": change.material, "summary": change.summary},
    )
    return change


def content_submit_for_review(*, obj, revision, material: bool, summary: str, user):
    """Declare the change ``revision`` makes to ``obj`` and start its workflow (Medical review),
    replacing a review under way. For changes made outside the admin's forms (the content loader,
    translations)."""
    programme_key, lesson_key = selectors.change_scope(obj=obj)
    content_change_declare(
        revision=revision,
        programme_key=programme_key,
        lesson_key=lesson_key,
        title=str(obj),
        material=material,
        summary=summary,
        user=user,
    )
    workflow = obj.get_workflow()
    if workflow is None:
        return None
    state = obj.current_workflow_state
    if state is not None:
        state.cancel(user=user)
        obj.refresh_from_db()
    return workflow.start(obj, user)


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


class ContentNotWithdrawable(ValueError):
    """An urgent withdrawal refused: no reason given, or not a live lesson or question."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@transaction.atomic
def content_withdraw(*, obj, user, reason: str) -> list:
    """Take a live lesson or quiz question away from learners at once, in every language.

    The one change Medical affairs make without review, because it only takes content away: each
    live language version is unpublished (a scheduled publication is dropped), any review in
    progress on it is cancelled, and a question is also retired (``active`` off, in the row and in
    a new latest revision, so editing and publishing it again does not bring it back into the quiz
    unless someone switches it on). Each version's history gets a ``courses.withdrawn`` entry with
    the reason. The caller checks the ``courses.withdraw_content`` permission. Returns the versions
    withdrawn.
    """
    reason = visible_text(reason)
    if not reason:
        raise ContentNotWithdrawable(gettext("Give the reason for withdrawing it."))
    fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    refusal = selectors.content_withdraw_refusal(obj=fresh)
    if refusal:
        raise ContentNotWithdrawable(refusal)
    retire = selectors.content_retirable(type(fresh))
    versions = list(selectors.content_live_versions(obj=fresh).select_related(None).select_for_update())
    for version in versions:
        state = version.current_workflow_state
        if state is not None:
            state.cancel(user=user)
        if retire:
            version.active = False
        # Medical affairs may not unpublish through Wagtail (everything else goes through
        # review); the permission checked here is ``courses.withdraw_content``.
        unpublish = UnpublishPageAction if isinstance(version, Page) else UnpublishAction
        unpublish(version, user=user, log_action=False).execute(skip_permission_checks=True)
        revision = None
        if retire:
            draft = version.get_latest_revision_as_object()
            draft.active = False
            revision = draft.save_revision(user=user, clean=False)
        log(
            instance=version,
            action="courses.withdrawn",
            user=user,
            revision=revision,
            data={"reason": reason, "retired": retire},
        )
        audit_record(
            "content.withdrawn",
            actor=user,
            obj=version,
            payload={"reason": reason, "retired": retire, "language": version.locale.language_code},
        )
    return versions
