"""Exports of registers: CSV (UTF-8 with a BOM, spreadsheet formulas neutralised) and XLSX.

The file is written to a temporary file on disk row by row, so memory stays flat however many
rows there are; then it is hashed, the export is recorded (``ExportRecord`` and the audit trail)
and the file is streamed from disk. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is written with a leading apostrophe, so a spreadsheet shows it as text and
never runs it.

Rows are an iterable of sequences or, better, a ``values_list`` queryset. On PostgreSQL a CSV of
a queryset is written by the database itself (``COPY (...) TO STDOUT``), with the same cell rules
applied in SQL, so an export costs little more than the query; elsewhere Python writes it. The
two write the same bytes (``tests/test_exports.py``).
"""

import csv
import datetime
import hashlib
import io
import tempfile
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import QuerySet
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


def _rows(rows):
    return rows.iterator(chunk_size=5000) if isinstance(rows, QuerySet) else rows


def _csv_writer(text):
    # "\n" ends a record, as PostgreSQL's COPY does; every spreadsheet reads it.
    return csv.writer(text, lineterminator="\n")


def _quoted(cell: str) -> str:
    if any(char in cell for char in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _write_record(writer, text, cells) -> None:
    """One record. Python's csv quotes a cell only for the characters of its line terminator, so
    with "\n" a carriage return would go out unquoted, and a spreadsheet starts a new row there
    (where a formula could then begin). Such a record is quoted as PostgreSQL's COPY quotes it."""
    if any("\r" in cell for cell in cells):
        text.write(",".join(_quoted(cell) for cell in cells) + "\n")
    else:
        writer.writerow(cells)


def _write_csv(file, header, rows, progress) -> int:
    text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
    text.write(BOM)
    writer = _csv_writer(text)
    _write_record(writer, text, [neutralised(h) for h in header])
    count = 0
    for row in _rows(rows):
        _write_record(writer, text, [neutralised(v) for v in row])
        count += 1
        progress(count)
    text.flush()
    text.detach()  # keep the binary file open
    return count


def _copy_possible(rows) -> bool:
    return isinstance(rows, QuerySet) and connections[rows.db].vendor == "postgresql"


def _sql_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t").replace("\r", "\\r")
    return f"E'{escaped}'"


FORMULA_STARTS_SQL = ", ".join(_sql_literal(start) for start in FORMULA_STARTS)


def _sql_text(column: str, internal_type: str) -> str:
    """SQL for the text ``neutralised`` starts from; its ``%s`` is the time zone."""
    if internal_type == "DateTimeField":
        return f"to_char({column} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')"
    if internal_type == "DateField":
        return f"to_char({column}, 'YYYY-MM-DD')"
    if internal_type == "BooleanField":
        return f"CASE WHEN {column} THEN 'True' WHEN NOT {column} THEN 'False' END"
    return f"{column}::text"


def _sql_neutralised(column: str) -> str:
    """SQL for what ``neutralised`` makes of the text ``column``; NULL when empty, as COPY writes
    a NULL the way Python's csv writes an empty string."""
    return (
        f"NULLIF(CASE WHEN left({column}, 1) IN ({FORMULA_STARTS_SQL}) THEN E'\\'' || {column} "
        f"ELSE {column} END, '')"
    )


class _RecordCounter:
    """Counts the CSV records in a stream of chunks: line ends outside quoted cells (a doubled
    quote inside a cell toggles twice, so it changes nothing)."""

    def __init__(self):
        self.count = 0
        self.quoted = False

    def feed(self, chunk: bytes) -> None:
        for index, part in enumerate(chunk.split(b'"')):
            if index:
                self.quoted = not self.quoted
            if not self.quoted:
                self.count += part.count(b"\n")


def _write_csv_copy(file, header, queryset, progress) -> int:
    """The CSV written by PostgreSQL: ``COPY (SELECT <cells> FROM (<queryset>)) TO STDOUT``."""
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    types = [column.output_field.get_internal_type() for column, _sql, _alias in compiler.select]
    if len(types) != len(header):
        raise ValueError("The export's header and its queryset's columns differ.")
    names = [f"c{index}" for index in range(len(types))]
    texts = [f"{_sql_text(name, kind)} AS {name}" for name, kind in zip(names, types, strict=True)]
    zone = timezone.get_current_timezone_name()
    text_params = [zone] * sum(text.count("%s") for text in texts)
    cells = ", ".join(_sql_neutralised(name) for name in names)
    # Built from Django's compiled query and fixed fragments; every value is a bound parameter.
    # The outer SELECTs only project the ordered subquery, so PostgreSQL keeps its order; OFFSET 0
    # keeps the texts from being worked out again for each use in the outer CASE.
    statement = (
        f"COPY (SELECT {cells} FROM (SELECT {', '.join(texts)} "  # noqa: S608
        f"FROM ({sql}) AS export ({', '.join(names)}) OFFSET 0) AS texts) TO STDOUT (FORMAT csv)"
    )
    text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
    text.write(BOM)
    _write_record(_csv_writer(text), text, [neutralised(h) for h in header])
    text.flush()
    text.detach()
    counter = _RecordCounter()
    with connections[queryset.db].cursor() as cursor:
        with cursor.cursor.copy(statement, [*text_params, *params]) as copy:
            for chunk in copy:
                file.write(chunk)
                counter.feed(bytes(chunk))
                progress(counter.count)
    return counter.count


def _write_xlsx(file, header, rows, progress) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([force_str(h) for h in header])
    count = 0
    for row in _rows(rows):
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
    """Write ``rows`` (a ``values_list`` queryset or an iterable of sequences, read lazily) to a
    temporary file in ``fmt`` and record the export. The caller streams ``file`` and closes it."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"Unknown export format {fmt!r}")
    progress = progress or (lambda _count: None)
    file = tempfile.TemporaryFile()
    if fmt == "csv":
        write = _write_csv_copy if _copy_possible(rows) else _write_csv
    else:
        write = _write_xlsx
    count = write(file, header, rows, progress)
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
