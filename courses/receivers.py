"""Where the courses app listens to Wagtail: a published revision may carry a declared change."""

from django.dispatch import receiver
from wagtail.signals import published

from . import services


# Wagtail sends ``published`` for every model with drafts, pages included (``page_published`` is
# sent as well for pages, so listening to both would only repeat the work).
@receiver(published, dispatch_uid="courses.content_change_published")
def content_change_went_live(sender, instance, revision, **kwargs):
    services.content_change_published(revision=revision)
