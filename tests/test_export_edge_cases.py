"""Review findings on the registers' exports: a carriage return inside a cell, an export asked
for with a filter that does not validate, and the scheduled export that cannot write its file."""

import csv
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from audit import chain
from audit.models import AuditEvent
from audit.services import audit_record
from certificates.models import Attestation
from compliance import exports, registers
from compliance.models import ExportRecord
from tests.test_attestation_lifecycle import attested, officer

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(rows) -> bytes:
    export = exports.export_write(register="test", fmt="csv", header=["a", "b"], rows=rows, filters={})
    with export.file as file:
        return file.read()


def test_a_carriage_return_inside_a_cell_is_quoted_so_no_spreadsheet_starts_a_row_there():
    body = _csv([['Kari\r=HYPERLINK("http://x")', "\rlead"], ["plain", "x"]])

    # Read as a spreadsheet does: a CR outside quotes ends the record.
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows == [["a", "b"], ['Kari\r=HYPERLINK("http://x")', "'\rlead"], ["plain", "x"]]


def test_rows_without_a_carriage_return_are_written_as_before():
    body = _csv([['Kari "K", Ås', "line\nbreak"], ["", None]])

    assert body.decode("utf-8") == '\ufeffa,b\n"Kari ""K"", Ås","line\nbreak"\n,\n'


def test_an_export_with_a_filter_that_does_not_validate_is_refused_not_recorded_as_filtered(
    client, programme_with_bank
):
    attested(programme_with_bank)
    client.force_login(officer())

    # Wagtail drops every filter when one does not validate: the file would hold every row while
    # the record named the workplace filter.
    response = client.get(
        reverse("attestations:index"), {"workplace": "Nowhere", "expiring_within": "-1", "export": "csv"}
    )

    assert response.status_code == 302
    assert "export" not in response["Location"]
    assert "workplace=Nowhere" in response["Location"]
    assert not ExportRecord.objects.exists()


def test_an_export_with_a_valid_filter_still_goes_through(client, programme_with_bank):
    attested(programme_with_bank)
    client.force_login(officer())

    response = client.get(reverse("attestations:index"), {"workplace": "Nowhere", "export": "csv"})

    assert response.status_code == 200
    assert _body(response).count(b"\n") == 1  # the header only
    assert ExportRecord.objects.get().filters == {"workplace": "Nowhere"}


def test_export_attestations_records_nothing_when_it_cannot_write_the_file(tmp_path, programme_with_bank):
    attested(programme_with_bank)
    assert Attestation.objects.exists()

    with pytest.raises(CommandError):
        call_command(
            "export_attestations",
            "--programme",
            programme_with_bank.slug,
            "--format",
            "csv",
            "--output",
            str(tmp_path / "missing-folder" / "attestations.csv"),
        )

    assert not ExportRecord.objects.exists()


def test_an_export_cut_off_leaves_the_previous_file_whole_and_no_partial_file(
    tmp_path, programme_with_bank, monkeypatch
):
    from compliance import registers

    attested(programme_with_bank)
    output = tmp_path / "attestations.csv"
    output.write_bytes(b"yesterday's complete export\n")

    every_row = registers.attestation_rows

    def rows_then_failure(queryset):  # the disk fills up after the last row
        yield from every_row(queryset)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(registers, "attestation_rows", rows_then_failure)
    with pytest.raises(OSError, match="No space left"):
        call_command(
            "export_attestations", "--programme", programme_with_bank.slug, "--format", "csv",
            "--output", str(output),
        )  # fmt: skip

    assert output.read_bytes() == b"yesterday's complete export\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["attestations.csv"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL writes CSV exports with COPY; elsewhere Python does"
)
def test_postgresql_copy_and_python_agree_on_a_carriage_return_inside_a_cell(programme_with_bank):
    kept = attested(programme_with_bank)
    Attestation.objects.filter(pk=kept.pk).update(holder_name="Kari\r=1+1", revocation_reason="\rlead")
    queryset = Attestation.objects.order_by("pk")

    def written(rows):
        export = exports.export_write(
            register="attestations", fmt="csv", header=registers.attestation_header(), rows=rows, filters={}
        )
        with export.file as file:
            return export.rows, file.read()

    copied = written(registers.attestation_rows(queryset))

    assert copied == written(list(registers.attestation_rows(queryset)))
    rows = list(csv.reader(io.StringIO(copied[1].decode("utf-8-sig"), newline="")))
    assert len(rows) == 2 and rows[1][1] == "Kari\r=1+1" and rows[1][9] == "'\rlead"


def test_the_audit_trail_export_lets_an_inspector_recompute_every_hash(client, programme_with_bank):
    """Time in UTC with microseconds and details as canonical JSON, as the chain hashes them."""
    attested(programme_with_bank)
    client.force_login(officer())
    # Details with a quote, æøå and a nested value.
    audit_record("test.event", payload={"reason": 'Feil "navn", Ås', "n": [1, {"b": 2, "a": 1}]})

    events = AuditEvent.objects.count()
    response = client.get(reverse("audit_trail:index"), {"export": "csv"})

    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"), newline="")))
    header, rows = rows[0], rows[1:]
    assert len(rows) == events > 1
    for cells in rows:
        row = dict(zip(header, cells, strict=True))
        content = {
            "occurred_at": row["Time"],
            "action": row["Event"],
            "actor_id": int(row["Actor id"]) if row["Actor id"] else None,
            "actor_label": row["Actor"],
            "object_type": row["Object type"],
            "object_id": row["Object id"],
            "object_label": row["Object"],
            "payload": json.loads(row["Details"]),
            "previous_hash": row["Previous hash"],
        }
        recomputed = hashlib.sha256(chain.canonical_json(content).encode("utf-8")).hexdigest()
        assert recomputed == row["Hash"], cells[0]
