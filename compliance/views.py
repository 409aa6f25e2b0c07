"""The recorded export as a mixin for the registers' Wagtail index views; "My data"."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from wagtail.admin import messages

from audit.services import audit_record
from courses import access

from . import selectors
from .exports import export_write


class RecordedExportMixin:
    """Replaces Wagtail's spreadsheet export (no BOM, formulas kept in CSV, XLSX built in memory,
    nothing recorded) by ``compliance.exports.export_write`` on exactly the filtered rows."""

    export_register = ""

    def export_header(self, queryset) -> list:
        return [self.get_heading(queryset, field) for field in self.list_export]

    def export_rows(self, queryset):
        for item in queryset.iterator(chunk_size=2000):
            yield list(self.to_row_dict(item).values())

    def export_filters(self) -> dict:
        return {
            key: values if len(values) > 1 else values[0]
            for key, values in self.request.GET.lists()
            if key != "export"
        }

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if self.filters is not None and not self.filters.is_valid():
            # Wagtail then applies no filter at all: the file would hold every row while the
            # record named the filter asked for. Back to the list, which shows the error.
            messages.error(
                self.request, gettext("The filter has an error, so nothing was exported: correct it first.")
            )
            query = self.request.GET.copy()
            query.pop("export", None)
            return redirect(f"{self.request.path}?{query.urlencode()}")
        export = export_write(
            register=self.export_register or queryset.model._meta.model_name,
            fmt=spreadsheet_format,
            header=self.export_header(queryset),
            rows=self.export_rows(queryset),
            filters=self.export_filters(),
            user=self.request.user,
        )
        return FileResponse(
            export.file, as_attachment=True, filename=export.filename, content_type=export.content_type
        )


# "My data": the prescriber's own data ------------------------------------------------------------


@never_cache
def my_data(request):
    """What we hold about the signed-in person, with the download and their attestation PDFs."""
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    return render(
        request,
        "compliance/my_data.html",
        {"attestations": selectors.prescriber_attestations(user=request.user)},
    )


@never_cache
def my_data_download(request):
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    data = selectors.prescriber_data(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")
    audit_record(
        "data.downloaded_by_holder",
        actor=request.user,
        obj=request.user,
        payload={"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)},
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate():%Y-%m-%d}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
