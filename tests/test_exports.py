"""Exports of the registers: exactly the filtered rows, UTF-8 with a BOM, formulas neutralised,
XLSX that opens, and every export recorded (who, when, filter, rows, SHA-256)."""

import csv
import hashlib
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from certificates import services as certificate_services
from certificates.models import Attestation
from compliance.exports import neutralised
from compliance.models import ExportRecord
from tests import factories
from tests.test_attestation_lifecycle import attested, officer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+4712345678", "'+4712345678"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ærlig Øvrebø-Ås", "Ærlig Øvrebø-Ås"),
        (None, ""),
        (7, "7"),
    ],
)
def test_a_cell_that_could_run_as_a_formula_is_written_as_text(value, written):
    assert neutralised(value) == written


@pytest.fixture
def two_attestations(programme_with_bank):
    kept = attested(programme_with_bank)
    revoked = attested(programme_with_bank)
    Attestation.objects.filter(pk=revoked.pk).update(holder_name='=HYPERLINK("http://x","Ærlig Øvrebø")')
    certificate_services.attestation_revoke(
        attestation=revoked, by=factories.ComplianceFactory(), reason="Feil"
    )
    return kept, Attestation.objects.get(pk=revoked.pk)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_csv_export_holds_exactly_the_filtered_rows_with_a_bom_and_is_recorded(client, two_attestations):
    kept, revoked = two_attestations
    user = officer()
    client.force_login(user)
    response = client.get(reverse("attestations:index"), {"state": "revoked", "export": "csv"})
    assert response.status_code == 200
    body = _body(response)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Serial" and len(rows) == 2
    assert rows[1][0] == revoked.serial and rows[1][1] == '\'=HYPERLINK("http://x","Ærlig Øvrebø")'
    assert rows[1][5] == "revoked" and rows[1][9] == "Feil"

    record = ExportRecord.objects.get()
    assert (record.user, record.register, record.format, record.row_count) == (user, "attestations", "csv", 1)
    assert record.filters == {"state": "revoked"}
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    event = AuditEvent.objects.get(action="export.created")
    assert (
        event.actor_id == user.pk and event.payload["rows"] == 1 and event.payload["sha256"] == record.sha256
    )


def test_the_xlsx_export_opens_and_holds_text_not_formulas(client, two_attestations):
    kept, revoked = two_attestations
    client.force_login(officer())
    response = client.get(reverse("attestations:index"), {"export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Serial" and len(rows) == 3
    holders = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x","Ærlig Øvrebø")' in holders
    assert all(
        cell.data_type == "s" for row in workbook.active.iter_rows(min_row=2) for cell in row if cell.value
    )
    assert ExportRecord.objects.get().row_count == 2


def test_the_audit_trail_export_is_recorded_too(client, two_attestations):
    client.force_login(officer())
    response = client.get(reverse("audit_trail:index"), {"action": "attestation.revoked", "export": "csv"})
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert len(rows) == 2 and "attestation.revoked" in rows[1]
    assert ExportRecord.objects.get().register == "audit-trail"


def test_medical_affairs_cannot_export_attestations(client, two_attestations):
    client.force_login(factories.MedicalAffairsFactory())
    response = client.get(reverse("attestations:index"), {"export": "csv"})
    assert response.status_code in (302, 403)
    assert not ExportRecord.objects.exists()


def test_export_attestations_writes_the_same_file_for_scheduled_jobs(
    tmp_path, two_attestations, programme_with_bank
):
    output = tmp_path / "attestations.csv"
    out = io.StringIO()
    call_command(
        "export_attestations",
        "--programme",
        programme_with_bank.slug,
        "--format",
        "csv",
        "--output",
        str(output),
        stdout=out,
    )
    data = output.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3 and data.startswith("\ufeff".encode())
    record = ExportRecord.objects.get()
    assert record.user is None and record.row_count == 2 and record.sha256 == hashlib.sha256(data).hexdigest()
    assert "2 attestations written" in out.getvalue()


def test_the_register_filters_by_status_issue_date_expiry_workplace_and_confirmed_identity(
    client, programme_with_bank
):
    import datetime

    from django.utils import timezone

    from lms.models import User

    soon = attested(programme_with_bank, valid_until=timezone.localdate() + datetime.timedelta(days=20))
    later = attested(programme_with_bank, valid_until=timezone.localdate() + datetime.timedelta(days=200))
    User.objects.filter(pk=soon.user_id).update(workplace="Sørlandet sykehus Arendal")
    User.objects.filter(pk=later.user_id).update(hpr_verified_at=None)
    Attestation.objects.filter(pk=later.pk).update(issued_at=timezone.now() - datetime.timedelta(days=400))
    client.force_login(officer())

    def serials(**query):
        query["export"] = "csv"
        rows = list(
            csv.reader(
                io.StringIO(_body(client.get(reverse("attestations:index"), query)).decode("utf-8-sig"))
            )
        )
        return {row[0] for row in rows[1:]}

    assert serials(expiring_within="30") == {soon.serial}
    assert serials(workplace="arendal") == {soon.serial}
    assert serials(identity_verified="false") == {later.serial}
    assert serials(identity_verified="true") == {soon.serial}
    assert serials(issued_at_from=(timezone.localdate() - datetime.timedelta(days=30)).isoformat()) == {
        soon.serial
    }
    assert serials(status="valid") == {soon.serial}
    assert serials(status="identity_unverified") == {later.serial}
    assert serials(status="revoked") == set()


def test_content_history_lists_published_changes_with_submitter_approver_and_materiality(
    client, programme, django_capture_on_commit_callbacks
):
    from courses.models import LessonPage
    from tests.test_material_change import SUMMARY, approve, submit_lesson_change

    editor, reviewer = factories.MedicalAffairsFactory(), factories.MedicalAffairsFactory()
    lesson = LessonPage.objects.child_of(programme).first()
    submit_lesson_change(client, lesson, editor, material=True)
    approve(client, lesson, reviewer, django_capture_on_commit_callbacks)
    pending = LessonPage.objects.child_of(programme).last()
    submit_lesson_change(client, pending, editor, material=False, text="Ikke godkjent ennå.")

    client.force_login(officer())
    body = client.get(reverse("content_history:index")).content.decode()
    assert editor.email in body and reviewer.email in body and SUMMARY in body
    assert "<h1" in body and "Content history" in body[body.index("<h1") : body.index("</h1>")]
    response = client.get(reverse("content_history:index"), {"material": "true", "export": "csv"})
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert len(rows) == 2  # the approved change only; the one in review is not published
    assert rows[1][1] == lesson.title and rows[1][2] == "True"
    assert editor.email in rows[1][4] and reviewer.email in rows[1][5]
    assert ExportRecord.objects.get().register == "content-history"

    client.force_login(factories.MedicalAffairsFactory())
    assert client.get(reverse("content_history:index")).status_code == 302


def test_the_treatment_register_exports_the_filtered_rows_without_patient_references(
    client, programme_with_bank
):
    attestation = attested(programme_with_bank)
    confirmations = {name: True for name in certificate_services.TREATMENT_CONFIRMATIONS}
    confirmations["indication_basis"] = certificate_services.INDICATION_BASES[0]
    for reference in ("Pasient A-17", "Pasient B-2"):
        certificate_services.treatment_initiation_record(
            user=attestation.user,
            programme=attestation.programme,
            confirmations=confirmations,
            patient_reference=reference,
            language="en",
        )
    certificate_services.attestation_revoke(
        attestation=attestation, by=factories.ComplianceFactory(), reason="x"
    )
    certificate_services.treatment_initiation_record(
        user=attestation.user,
        programme=attestation.programme,
        confirmations=confirmations,
        patient_reference="Pasient C-3",
        language="en",
    )
    client.force_login(officer())
    response = client.get(reverse("treatment_initiations:index"), {"outcome": "recorded", "export": "csv"})
    body = _body(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 3 and {row[1] for row in rows[1:]} == {"recorded"}
    assert "Pasient" not in body and attestation.hpr_number in body
    assert ExportRecord.objects.get().register == "treatment-initiations"

    by_status = client.get(reverse("treatment_initiations:index"), {"status": "revoked", "export": "csv"})
    rows = list(csv.reader(io.StringIO(_body(by_status).decode("utf-8-sig"))))
    assert [row[1:3] for row in rows[1:]] == [["refused", "revoked"]]

    def listed(**query):
        return len(client.get(reverse("treatment_initiations:index"), query).context["object_list"])

    assert (listed(identity_verified="true"), listed(identity_verified="false")) == (3, 0)
    attestation.user.__class__.objects.filter(pk=attestation.user_id).update(hpr_verified_at=None)
    assert (listed(identity_verified="true"), listed(identity_verified="false")) == (0, 3)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL writes CSV exports with COPY; elsewhere Python does"
)
def test_postgresql_copy_writes_the_same_csv_as_python_for_awkward_cells(two_attestations):
    """The COPY path and the Python path of ``export_write`` agree byte for byte (quotes, line
    ends inside a cell, empty cells, formulas, æøå, dates in local time), and count alike."""
    from compliance import exports, registers

    kept, revoked = two_attestations
    Attestation.objects.filter(pk=kept.pk).update(
        holder_name='Kari "K" Nordmann, Ås',
        revocation_reason='line one\nline two\r\n"quoted"',
        programme_title="\tTab-led",
    )
    kept.user.__class__.objects.filter(pk=kept.user_id).update(workplace="-Sykehus\u202e")
    revoked.user.__class__.objects.filter(pk=revoked.user_id).update(workplace="")  # empty, not NULL
    queryset = Attestation.objects.order_by("pk")

    def written(rows):
        export = exports.export_write(
            register="attestations",
            fmt="csv",
            header=registers.attestation_header(),
            rows=rows,
            filters={},
        )
        with export.file as file:
            return export.rows, file.read()

    copied = written(registers.attestation_rows(queryset))
    by_python = written(list(registers.attestation_rows(queryset)))  # a list: not a queryset

    assert copied == by_python
    assert copied[0] == 2
    rows = list(csv.reader(io.StringIO(copied[1].decode("utf-8-sig"))))
    assert rows[1][1] == 'Kari "K" Nordmann, Ås'
    assert rows[1][9] == 'line one\nline two\r\n"quoted"'
    assert rows[1][4] == "'\tTab-led"
    assert rows[1][3] == "'-Sykehus\u202e"
    assert rows[2][1].startswith("'=HYPERLINK")
    assert ',"",' not in copied[1].decode("utf-8")  # an empty cell is empty, as Python writes it
