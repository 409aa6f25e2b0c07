"""Writing the audit trail: ``audit_record``, called by every app in the transaction of the event."""

from django.db import connection, transaction
from django.utils import timezone

from . import chain
from .models import AuditEvent

# pg_advisory_xact_lock key: one writer at a time extends the chain (held to the commit).
_CHAIN_LOCK = 0x61756469  # "audi"


def _label(obj) -> str:
    if obj is None:
        return ""
    return str(obj)[:255]


def _actor(actor) -> tuple:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    label = getattr(actor, "email", "") or actor.get_username()
    return actor.pk, label[:255]


def audit_record(
    action: str,
    *,
    actor=None,
    obj=None,
    payload=None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    now=None,
) -> AuditEvent:
    """Append one event to the trail, chained to the last one.

    Call it inside the transaction that makes the change: the event is written if and only if the
    change is. ``obj`` (a model instance) gives the object's type, id and label; or pass them.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or _label(obj)
    actor_id, actor_label = _actor(actor)
    payload = chain.normalised_payload(payload)
    occurred_at = now or timezone.now()
    # No savepoint: the event belongs to the caller's transaction (or opens its own).
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        previous = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first() or chain.GENESIS
        event = AuditEvent(
            occurred_at=occurred_at,
            action=action,
            actor_id=actor_id,
            actor_label=actor_label,
            object_type=object_type,
            object_id=str(object_id),
            object_label=object_label[:255],
            payload=payload,
            previous_hash=previous,
        )
        event.hash = chain.hash_of(event)
        event.save()
    return event
