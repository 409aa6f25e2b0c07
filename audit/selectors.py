"""Reading the audit trail."""

from dataclasses import dataclass

from . import chain
from .models import AuditEvent
from .services import audit_chain_queued


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None  # id of the first row that does not verify
    reason: str = ""
    last_id: int | None = None  # the newest row verified, and its hash: an anchor to note elsewhere
    last_hash: str = ""
    anchor_found: bool = False  # a row with the ``anchor`` hash was verified


def audit_chain_verify(*, batch: int = 2000, anchor: str = "") -> ChainCheck:
    """Walk the trail in order: every row's hash must match its content and the previous row's
    hash. Names the first row that does not (a changed row, or the row after one deleted).
    Rows cut off the end leave no break in the chain: ``anchor``, a hash noted earlier (e.g.
    ``last_hash`` of an earlier check), must then still be found among the verified rows."""
    audit_chain_queued()
    previous = chain.GENESIS
    checked = 0
    last_id, found = None, False
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=batch):
        if event.previous_hash != previous:
            return ChainCheck(False, checked, event.pk, "previous_hash does not match the row before it")
        if chain.hash_of(event) != event.hash:
            return ChainCheck(False, checked, event.pk, "the row's content does not match its hash")
        previous, last_id = event.hash, event.pk
        found = found or event.hash == anchor
        checked += 1
    if anchor and not found:
        return ChainCheck(False, checked, None, "no row has the anchor hash: rows were cut off the end")
    return ChainCheck(
        True, checked, last_id=last_id, last_hash=previous if last_id else "", anchor_found=found
    )


def events_for(*, object_type: str, object_id) -> list:
    """The history of one object, oldest first."""
    audit_chain_queued()
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("pk"))
