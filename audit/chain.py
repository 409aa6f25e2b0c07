"""The hash chain: each row's hash covers its content and the previous row's hash.

``hash = SHA-256(canonical JSON of the row's fields, previous_hash included)``. Canonical JSON:
keys sorted, no insignificant whitespace, UTF-8, times in UTC ISO 8601 with microseconds.
Changing, inserting or deleting a row breaks the chain at that row or the next.
"""

import hashlib
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def normalised_payload(payload) -> dict:
    """The payload as the database gives it back (dates and UUIDs as strings)."""
    return json.loads(canonical_json(payload or {}))


def row_hash(
    *,
    occurred_at,
    action,
    actor_id,
    actor_label,
    object_type,
    object_id,
    object_label,
    payload,
    previous_hash,
) -> str:
    content = {
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": action,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": object_label,
        "payload": payload,
        "previous_hash": previous_hash,
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def hash_of(event) -> str:
    return row_hash(
        occurred_at=event.occurred_at,
        action=event.action,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        object_type=event.object_type,
        object_id=event.object_id,
        object_label=event.object_label,
        payload=event.payload,
        previous_hash=event.previous_hash,
    )
