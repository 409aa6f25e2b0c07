from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An audit row was to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("The audit trail is append-only: rows cannot be changed.")

    def delete(self):
        raise AppendOnly("The audit trail is append-only: rows cannot be deleted.")


class AuditEvent(models.Model):
    """One event of the audit trail. Written only by ``audit.services.audit_record``, in the
    transaction of the event; never changed or deleted (here and, on PostgreSQL, by a trigger).

    The actor and the object are recorded as values (id and label at the time), not foreign
    keys: the trail outlives and must not follow changes to the rows it names.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("event"), max_length=64, db_index=True)
    actor_id = models.PositiveBigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=255, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-pk"]
        permissions = [("export_auditevent", _("Can export the audit trail"))]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_label}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("The audit trail is append-only: rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The audit trail is append-only: rows cannot be deleted.")


class QueuedAuditEvent(models.Model):
    """An event recorded without waiting for the chain (``audit.services.audit_record_queued``).

    High-volume lookups (the status API) would otherwise wait for one another on the chain's
    lock. ``audit.services.audit_chain_queued`` moves queued events into the trail in the order
    they were recorded; every write to the trail and every reading of it does that first, so the
    trail as anyone reads it holds them. Not part of the trail itself: rows are deleted once chained.
    """

    occurred_at = models.DateTimeField()
    action = models.CharField(max_length=64)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event waiting to be chained")
        verbose_name_plural = _("audit events waiting to be chained")
        ordering = ["pk"]

    def __str__(self):
        return f"queued #{self.pk} {self.action} {self.object_label}".strip()
