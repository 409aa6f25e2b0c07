"""Where the courses app listens to Wagtail: a published revision may carry a declared change."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import TaskState
from wagtail.signals import page_unpublished, post_page_move, published, task_approved, task_rejected

from audit.services import audit_record

from . import services
from .models import ContentChange, ProgrammePage
from .selectors import programme_keys_forget


# Wagtail sends ``published`` for every model with drafts, pages included (``page_published`` is
# sent as well for pages, so listening to both would only repeat the work).
@receiver(published, dispatch_uid="courses.content_change_published")
def content_change_went_live(sender, instance, revision, **kwargs):
    services.content_change_published(revision=revision)
    change = ContentChange.objects.filter(revision=revision).first() if revision else None
    audit_record(
        "content.published",
        # Who published it (the approving reviewer), not who saved the revision: that one is in
        # the payload.
        actor=_publisher(instance, revision),
        obj=instance,
        payload={
            "revision": revision.pk if revision else None,
            "revision_saved_by": _label(revision.user) if revision else "",
            "material": change.material if change else None,
            "summary": change.summary if change else "",
            "content_version": change.content_version if change else None,
        },
    )


def _publisher(instance, revision):
    """Who published ``revision``: the reviewer whose approval published it (the workflow's last
    task, approved on this revision), else whoever saved it (a superuser publishing directly);
    None for the loader. Wagtail logs the publication itself only after ``published`` is sent."""
    if revision is None:
        return None
    approval = (
        TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED)
        .select_related("finished_by")
        .order_by("-finished_at", "-pk")
        .first()
    )
    return approval.finished_by if approval else revision.user


def _label(user) -> str:
    return (user.email or user.get_username()) if user is not None else ""


def _review_decision(action, task_state, user):
    revision = task_state.revision
    change = ContentChange.objects.filter(revision=revision).first() if revision else None
    audit_record(
        action,
        actor=user,
        obj=services.specific_object(revision.content_object) if revision else None,
        payload={
            "revision": revision.pk if revision else None,
            "material": change.material if change else None,
            "comment": task_state.comment or "",
        },
    )


@receiver(task_approved, dispatch_uid="courses.audit_approved")
def review_approved(sender, instance, user, **kwargs):
    _review_decision("content.approved", instance, user)


@receiver(task_rejected, dispatch_uid="courses.audit_rejected")
def review_rejected(sender, instance, user, **kwargs):
    _review_decision("content.rejected", instance, user)


@receiver(published, dispatch_uid="courses.translations_bring_in_step")
def translations_follow_their_source(sender, instance, **kwargs):
    """A default-language page or question was published: once that has committed, its
    translations are brought in step (``courses.translation.translations_bring_in_step``)."""
    import logging

    from django.db import transaction
    from wagtail.models import Locale, TranslatableMixin

    from . import translation

    if not isinstance(instance, TranslatableMixin) or translation.sync_is_paused():
        return
    if instance.locale_id != Locale.get_default().pk:
        return
    model, pk = type(instance), instance.pk

    def bring_in_step():
        # A failure here must not undo the publish: what is left out of step stays listed on the
        # dashboard and, for a question, out of the quiz in that language.
        try:
            translation.translations_bring_in_step(model._default_manager.get(pk=pk))
        except Exception:
            logging.getLogger(__name__).exception(
                "Could not bring the translations of %s %s in step", model.__name__, pk
            )

    transaction.on_commit(bring_in_step)


@receiver(published, dispatch_uid="courses.programme_keys_published")
@receiver(page_unpublished, dispatch_uid="courses.programme_keys_unpublished")
@receiver(post_page_move, dispatch_uid="courses.programme_keys_moved")
@receiver(post_delete, sender=ProgrammePage, dispatch_uid="courses.programme_keys_deleted")
def programme_keys_changed(sender, instance, **kwargs):
    if isinstance(instance, ProgrammePage) or getattr(instance, "specific_class", None) is ProgrammePage:
        programme_keys_forget()
