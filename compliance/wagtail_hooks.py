"""Admin registration only: the Compliance officers' registers, with recorded exports."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from certificates.admin_attestations import (
    AttestationIndexView,
    AttestationViewSet,
    ComplianceViewSetGroup,
    TreatmentInitiationIndexView,
    TreatmentInitiationViewSet,
)

from . import registers
from .admin_audit import AuditEventViewSet
from .admin_content import ContentHistoryViewSet
from .admin_prescribers import PrescriberViewSet
from .admin_report import EffectivenessReportPdfView, EffectivenessReportView, may_see_report
from .views import RecordedExportMixin


class AttestationRegisterIndexView(RecordedExportMixin, AttestationIndexView):
    export_register = "attestations"

    def export_header(self, queryset):
        return registers.attestation_header()

    def export_rows(self, queryset):
        return registers.attestation_rows(queryset)


class AttestationRegister(AttestationViewSet):
    index_view_class = AttestationRegisterIndexView
    list_export = [name for name, _label in registers.ATTESTATION_COLUMNS]  # shows the export buttons


class TreatmentRegisterIndexView(RecordedExportMixin, TreatmentInitiationIndexView):
    export_register = "treatment-initiations"

    def export_header(self, queryset):
        return registers.treatment_header()

    def export_rows(self, queryset):
        return registers.treatment_rows(queryset)


class TreatmentRegister(TreatmentInitiationViewSet):
    index_view_class = TreatmentRegisterIndexView
    list_export = [name for name, _label in registers.TREATMENT_COLUMNS]  # shows the export buttons


class ComplianceRegisters(ComplianceViewSetGroup):
    items = (AttestationRegister, TreatmentRegister, PrescriberViewSet)


@hooks.register("register_admin_viewset")
def register_compliance_registers():
    return ComplianceRegisters()


@hooks.register("register_admin_viewset")
def register_audit_trail():
    return AuditEventViewSet()


@hooks.register("register_admin_viewset")
def register_content_history():
    return ContentHistoryViewSet()


@hooks.register("register_admin_urls")
def register_effectiveness_report_urls():
    return [
        path("compliance/report/", EffectivenessReportView.as_view(), name="effectiveness_report"),
        path("compliance/report/pdf/", EffectivenessReportPdfView.as_view(), name="effectiveness_report_pdf"),
    ]


class EffectivenessReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_report(request.user)


@hooks.register(ComplianceViewSetGroup.submenu_hook)
def register_effectiveness_report_menu_item():
    return EffectivenessReportMenuItem(
        _("Effectiveness report"), reverse("effectiveness_report"), icon_name="table", order=900
    )
