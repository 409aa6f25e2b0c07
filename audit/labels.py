"""What each kind of audit event is called in the admin, in the reader's language. The codes are
written by the apps (``audit_record("attestation.revoked", ...)``); only their names live here."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "account.signed_up": _("Signed up"),
    "account.email_verified": _("E-mail address verified"),
    "account.roles_changed": _("Roles changed"),
    "account.admin_signed_in": _("Signed in to the admin"),
    "account.mfa_added": _("Two-factor authentication set up"),
    "account.mfa_reset": _("Recovery codes generated again"),
    "account.mfa_removed": _("Two-factor authentication removed"),
    "account.mfa_cleared": _("Two-factor authentication reset by an administrator"),
    "identity.hpr_verified": _("HPR number confirmed"),
    "attempt.started": _("Quiz attempt started"),
    "attempt.submitted": _("Quiz attempt submitted"),
    "attempt.expired": _("Quiz attempt expired"),
    "attestation.issued": _("Attestation issued"),
    "attestation.downloaded": _("Attestation PDF downloaded"),
    "attestation.verified": _("Attestation verified"),
    "attestation.looked_up": _("Attestation looked up through the API"),
    "attestation.revoked": _("Attestation revoked"),
    "attestation.renewal_required": _("Renewal required"),
    "attestation.renewed": _("Attestation renewed"),
    "attestation.superseded": _("Attestation replaced by a newer one"),
    "treatment.recorded": _("Treatment initiation recorded"),
    "treatment.refused": _("Treatment initiation refused"),
    "signing_key.activated": _("Attestation signing key put in use"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "content.submitted": _("Content submitted for review"),
    "content.approved": _("Content approved"),
    "content.rejected": _("Content sent back for changes"),
    "content.published": _("Content published"),
    "content.withdrawn": _("Content withdrawn"),
    "export.created": _("Register exported"),
    "report.downloaded": _("Effectiveness report downloaded"),
    "data.downloaded_by_holder": _("Own data downloaded"),
}


def action_label(code: str) -> str:
    """The event's name, or its code when it has none."""
    return str(ACTION_LABELS.get(code, code))
