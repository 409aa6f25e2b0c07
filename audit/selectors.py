"""Reading the audit trail."""

from dataclasses import dataclass

from . import chain
from .models import AuditEvent


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None  # id of the first row that does not verify
    reason: str = ""


def audit_chain_verify(*, batch: int = 2000) -> ChainCheck:
    """Walk the trail in order: every row's hash must match its content and the previous row's
    hash. Names the first row that does not (a changed row, or the row after one deleted)."""
    previous = chain.GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=batch):
        if event.previous_hash != previous:
            return ChainCheck(False, checked, event.pk, "previous_hash does not match the row before it")
        if chain.hash_of(event) != event.hash:
            return ChainCheck(False, checked, event.pk, "the row's content does not match its hash")
        previous = event.hash
        checked += 1
    return ChainCheck(True, checked)


def events_for(*, object_type: str, object_id) -> list:
    """The history of one object, oldest first."""
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("pk"))
