"""Admin registration only: the Compliance officers' registers, with recorded exports."""

from wagtail import hooks

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
    items = (AttestationRegister, TreatmentRegister)


@hooks.register("register_admin_viewset")
def register_compliance_registers():
    return ComplianceRegisters()


@hooks.register("register_admin_viewset")
def register_audit_trail():
    return AuditEventViewSet()


@hooks.register("register_admin_viewset")
def register_content_history():
    return ContentHistoryViewSet()
