from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Revision


class ExportRecord(models.Model):
    """One export of a register: who, when, which filter, how many rows, the file's SHA-256."""

    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    register = models.CharField(_("register"), max_length=100)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=10)
    row_count = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    filename = models.CharField(_("file name"), max_length=200)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.row_count})"


class PublishedRevision(Revision):
    """Wagtail's revisions as the content history lists them (``admin_content``): a proxy, so the
    history's admin, permission policy and links belong to it, not to every revision."""

    class Meta:
        proxy = True
        verbose_name = _("published revision")
        verbose_name_plural = _("published revisions")
