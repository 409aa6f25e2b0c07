"""Exports of registers: CSV (UTF-8 with a BOM, spreadsheet formulas neutralised) and XLSX.

The file is written to a temporary file on disk row by row, so memory stays flat however many
rows there are; then it is hashed, the export is recorded (``ExportRecord`` and the audit trail)
and the file is streamed from disk. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is written with a leading apostrophe, so a spreadsheet shows it as text and
never runs it.
"""

import csv
import datetime
import hashlib
import io
import tempfile
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str

from audit.services import audit_record

from .models import ExportRecord

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralised(value) -> str:
    """The cell as text that no spreadsheet runs."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else value
    text = force_str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass
class ExportFile:
    file: object  # an open binary temporary file, at position 0
    rows: int
    sha256: str
    filename: str
    content_type: str
    record: ExportRecord


def _write_csv(file, header, rows, progress) -> int:
    text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
    text.write(BOM)
    writer = csv.writer(text)
    writer.writerow([neutralised(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([neutralised(v) for v in row])
        count += 1
        progress(count)
    text.flush()
    text.detach()  # keep the binary file open
    return count


def _write_xlsx(file, header, rows, progress) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([force_str(h) for h in header])
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, neutralised(value))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
        count += 1
        progress(count)
    workbook.save(file)
    return count


def export_write(
    *, register: str, fmt: str, header, rows, filters: dict, user=None, progress=None
) -> ExportFile:
    """Write ``rows`` (an iterable of sequences, read lazily) to a temporary file in ``fmt`` and
    record the export. The caller streams ``file`` and closes it."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"Unknown export format {fmt!r}")
    progress = progress or (lambda _count: None)
    file = tempfile.TemporaryFile()
    count = (_write_csv if fmt == "csv" else _write_xlsx)(file, header, rows, progress)
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 16), b""):
        digest.update(chunk)
    file.seek(0)
    filename = f"{register}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    with transaction.atomic():
        record = ExportRecord.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            register=register,
            filters=filters,
            format=fmt,
            row_count=count,
            sha256=digest.hexdigest(),
            filename=filename,
        )
        audit_record(
            "export.created",
            actor=user,
            obj=record,
            payload={
                "register": register,
                "filters": filters,
                "format": fmt,
                "rows": count,
                "sha256": record.sha256,
            },
        )
    return ExportFile(file, count, record.sha256, filename, CONTENT_TYPES[fmt], record)
