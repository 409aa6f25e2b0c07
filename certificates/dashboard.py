"""The Compliance officers' dashboard panel about the key that signs attestations."""

from wagtail.admin.ui.components import Component

from lms import roles


def sees_signing_key(user) -> bool:
    """Compliance officers and superusers look after the signing key."""
    return user.is_superuser or roles.has_role(user, roles.COMPLIANCE_OFFICER)


class SigningKeyPanel(Component):
    """Shown only while something is wrong with the signing key (``selectors.signing_key_concern``)."""

    name = "signing_key"
    template_name = "certificates/admin/signing_key_panel.html"
    order = 40

    def __init__(self, *, concern):
        self.concern = concern

    def get_context_data(self, parent_context):
        return {"concern": self.concern}
