"""CSV downloads that open safely in a spreadsheet: UTF-8 with a BOM, formulas neutralised."""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# A spreadsheet reads a cell starting with one of these as a formula (or strips it and then does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The cell as written: text that a spreadsheet would run as a formula gets a leading quote.

    Numbers are written as numbers (a negative number is data, not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = str(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def csv_response(*, filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download; the BOM makes Excel read it as UTF-8 (æ, ø, å intact)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response
