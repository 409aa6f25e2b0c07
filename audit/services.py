"""Writing the audit trail: ``audit_record``, called by every app in the transaction of the event;
``audit_record_queued`` for high-volume lookups that must not wait for the chain's lock."""

from django.db import connection, transaction
from django.utils import timezone

from . import chain
from .models import AuditEvent, QueuedAuditEvent

# pg_advisory_xact_lock key: one writer at a time extends the chain (held to the commit).
_CHAIN_LOCK = 0x61756469  # "audi"
# Queued events chained per statement.
_CHAIN_BATCH = 500
# What a queued event holds: an event's content, without its place in the chain.
_CONTENT_FIELDS = tuple(f.name for f in QueuedAuditEvent._meta.concrete_fields if not f.primary_key)


def _label(obj) -> str:
    if obj is None:
        return ""
    return str(obj)[:255]


def _actor(actor) -> tuple:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    label = getattr(actor, "email", "") or actor.get_username()
    return actor.pk, label[:255]


def _fields(
    action, *, actor=None, obj=None, payload=None, object_type="", object_id="", object_label="", now=None
) -> dict:
    """The content of one event (everything but its place in the chain), as both tables hold it."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or _label(obj)
    actor_id, actor_label = _actor(actor)
    return {
        "occurred_at": now or timezone.now(),
        "action": action,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "object_type": object_type,
        "object_id": str(object_id),
        "object_label": object_label[:255],
        "payload": chain.normalised_payload(payload),
    }


def _chain_head() -> tuple[str, bool]:
    """Take the chain's lock (PostgreSQL; SQLite's write lock serialises writers anyway) and
    return (the last row's hash, whether events are queued), both in one statement. Call inside
    a transaction: the lock is held to its end."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        quote = connection.ops.quote_name
        events, queued = quote(AuditEvent._meta.db_table), quote(QueuedAuditEvent._meta.db_table)
        id_, hash_ = quote(AuditEvent._meta.pk.column), quote(AuditEvent._meta.get_field("hash").column)
        cursor.execute(
            f"SELECT (SELECT {hash_} FROM {events} ORDER BY {id_} DESC LIMIT 1), "  # noqa: S608 - names
            f"EXISTS (SELECT 1 FROM {queued})"
        )
        last, any_queued = cursor.fetchone()
    return last or chain.GENESIS, bool(any_queued)


def _chained(fields: dict, previous: str) -> AuditEvent:
    event = AuditEvent(**fields, previous_hash=previous)
    event.hash = chain.hash_of(event)
    return event


def _chain_queued_locked(previous: str, any_queued: bool = True) -> str:
    """Move every queued event into the trail, oldest first; returns the new last hash."""
    while any_queued:
        queued = list(QueuedAuditEvent.objects.order_by("pk")[:_CHAIN_BATCH])
        if not queued:
            return previous
        events = []
        for row in queued:
            event = _chained({name: getattr(row, name) for name in _CONTENT_FIELDS}, previous)
            previous = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events)
        QueuedAuditEvent.objects.filter(pk__in=[row.pk for row in queued]).delete()
    return previous


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
    """Append one event to the trail, chained to the last one (after any queued events).

    Call it inside the transaction that makes the change: the event is written if and only if the
    change is. ``obj`` (a model instance) gives the object's type, id and label; or pass them.
    """
    fields = _fields(
        action,
        actor=actor,
        obj=obj,
        payload=payload,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        now=now,
    )
    # No savepoint: the event belongs to the caller's transaction (or opens its own).
    with transaction.atomic(savepoint=False):
        previous = _chain_queued_locked(*_chain_head())
        event = _chained(fields, previous)
        event.save()
    return event


def audit_record_queued(action: str, **event) -> None:
    """Record an event without waiting for the chain's lock: one insert, chained later (by the
    next ``audit_record`` or ``audit_chain_queued``) in the order recorded, with its own time.

    For lookups that many callers make at once and that change nothing (the status API):
    through ``audit_record`` each call would wait for every other to commit. Takes the same
    arguments as ``audit_record``."""
    QueuedAuditEvent.objects.create(**_fields(action, **event))


def audit_chain_queued() -> None:
    """Chain every queued event now. Whoever reads the trail calls this first (``audit_trail``,
    ``audit.selectors``), so what they read holds every event recorded before."""
    if not QueuedAuditEvent.objects.exists():
        return
    with transaction.atomic(savepoint=False):
        _chain_queued_locked(*_chain_head())


def audit_trail():
    """Every event of the trail (a queryset), queued ones chained first."""
    audit_chain_queued()
    return AuditEvent.objects.all()
