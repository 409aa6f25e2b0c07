"""The audit trail: append-only, hash-chained, verifiable; written in the transaction of its event."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import chain
from audit.models import AppendOnly, AuditEvent, QueuedAuditEvent
from audit.selectors import audit_chain_verify
from audit.services import audit_chain_queued, audit_record, audit_record_queued, audit_trail
from tests import factories

pytestmark = pytest.mark.django_db


def _three_events():
    user = factories.UserFactory()
    return [
        audit_record("account.signed_up", actor=user, obj=user, payload={"hpr_number": "1234567"}),
        audit_record(
            "attestation.issued",
            actor=user,
            object_type="certificates.attestation",
            object_id="7",
            object_label="LEM-2026-000007",
            payload={"valid_until": "2027-11-25"},
        ),
        audit_record(
            "attestation.downloaded", actor=user, object_type="certificates.attestation", object_id="7"
        ),
    ]


def test_each_event_is_chained_to_the_one_before_it():
    first, second, third = _three_events()
    first, second, third = (AuditEvent.objects.get(pk=e.pk) for e in (first, second, third))
    assert first.previous_hash == chain.GENESIS
    assert second.previous_hash == first.hash and third.previous_hash == second.hash
    assert all(chain.hash_of(e) == e.hash for e in (first, second, third))
    assert first.actor_label and first.object_type == "lms.user"


def test_rows_cannot_be_changed_or_deleted_through_django():
    event = AuditEvent.objects.get(pk=_three_events()[0].pk)
    event.action = "account.deleted"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "account.signed_up"
    assert AuditEvent.objects.count() == 3


def test_an_event_is_written_only_if_its_transaction_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record("attestation.revoked", object_type="certificates.attestation", object_id="1")
        raise RuntimeError("the revocation failed")
    assert not AuditEvent.objects.exists()


def test_queued_events_join_the_chain_in_order_before_anything_recorded_after_them():
    first = audit_record("account.signed_up", object_type="lms.user", object_id="1")
    for n in (1, 2):
        audit_record_queued(
            "attestation.looked_up",
            object_type="certificates.attestation",
            object_id=str(n),
            payload={"n": n},
        )
    assert AuditEvent.objects.count() == 1  # queued, not yet chained
    later = audit_record("attestation.revoked", object_type="certificates.attestation", object_id="1")

    rows = list(AuditEvent.objects.order_by("pk"))
    assert [(row.action, row.object_id) for row in rows] == [
        ("account.signed_up", "1"),
        ("attestation.looked_up", "1"),
        ("attestation.looked_up", "2"),
        ("attestation.revoked", "1"),
    ]
    assert rows[1].previous_hash == first.hash and rows[1].payload == {"n": 1}
    assert AuditEvent.objects.get(pk=later.pk).previous_hash == rows[2].hash
    assert not QueuedAuditEvent.objects.exists()
    assert audit_chain_verify().ok


def test_whoever_reads_the_trail_reads_the_queued_events_too(client):
    from django.urls import reverse

    client.force_login(factories.ComplianceFactory())  # (recorded: chains what is queued)
    audit_record_queued("attestation.looked_up", object_type="certificates.attestation", payload={"n": 1})
    assert [event.action for event in audit_trail().filter(object_type="certificates.attestation")] == [
        "attestation.looked_up"
    ]

    audit_record_queued("attestation.looked_up", object_type="certificates.attestation", payload={"n": 2})
    assert audit_chain_verify().ok
    assert AuditEvent.objects.filter(action="attestation.looked_up").count() == 2

    audit_record_queued("attestation.looked_up", object_type="certificates.attestation", payload={"n": 3})
    export = client.get(reverse("audit_trail:index"), {"export": "csv"})
    body = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert body.count("attestation.looked_up") == 3
    assert not QueuedAuditEvent.objects.exists()


def test_a_queued_event_is_kept_only_if_its_transaction_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record_queued("attestation.looked_up", object_type="certificates.attestation")
        raise RuntimeError("the request failed")
    audit_chain_queued()
    assert not AuditEvent.objects.exists()


def test_audit_verify_passes_on_an_intact_trail(capsys):
    _three_events()
    call_command("audit_verify")
    assert "3 rows verified" in capsys.readouterr().out
    assert audit_chain_verify().ok


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses this (its trigger, tested below)"
)
def test_audit_verify_names_a_row_altered_behind_djangos_back():
    first, second, third = _three_events()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_label = %s WHERE id = %s", ["LEM-2026-000999", second.pk]
        )
    with pytest.raises(CommandError, match=f"broken at row {second.pk}"):
        call_command("audit_verify")


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses this (its trigger, tested below)"
)
def test_audit_verify_names_the_row_after_one_deleted_behind_djangos_back():
    first, second, third = _three_events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])
    result = audit_chain_verify()
    assert not result.ok and result.broken_at == third.pk and result.checked == 1
    with pytest.raises(CommandError, match=f"broken at row {third.pk}"):
        call_command("audit_verify")


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses this (its trigger, tested below)"
)
def test_rows_cut_off_the_end_are_found_against_an_anchor_noted_earlier(capsys):
    first, second, third = _three_events()
    call_command("audit_verify")
    assert f"Newest row: {third.pk}, hash {third.hash}" in capsys.readouterr().out
    call_command("audit_verify", anchor=third.hash)  # still there: passes

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [third.pk])
    assert audit_chain_verify().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match="cut off the end"):
        call_command("audit_verify", anchor=third.hash)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_on_postgresql_sql_cannot_change_or_delete_a_row():
    event = _three_events()[0]
    for statement in (
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "account.signed_up"
    assert audit_chain_verify().ok


def test_compliance_officers_browse_filter_inspect_and_export_the_trail(client):
    from django.urls import reverse

    first, second, third = _three_events()
    officer = factories.ComplianceFactory()
    client.force_login(officer)
    index = reverse("audit_trail:index")
    assert "attestation.downloaded" in client.get(index).content.decode()
    filtered = client.get(index, {"action": "attestation.issued"}).content.decode()
    assert "LEM-2026-000007" in filtered and first.object_label not in filtered
    inspect = client.get(reverse("audit_trail:inspect", args=[second.pk])).content.decode()
    assert second.hash in inspect and second.previous_hash in inspect
    export = client.get(index, {"export": "csv", "action": "attestation.issued"})
    body = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "LEM-2026-000007" in body and "account.signed_up" not in body and len(body.splitlines()) == 2


def test_medical_affairs_and_prescribers_cannot_read_the_trail(client):
    from django.urls import reverse

    _three_events()
    for user in (factories.MedicalAffairsFactory(), factories.PrescriberFactory()):
        client.force_login(user)
        response = client.get(reverse("audit_trail:index"))
        assert response.status_code in (302, 403)
        assert b"attestation.issued" not in response.content
