"""The three roles of the product, as Django groups (created by migration lms.0002)."""

PRESCRIBER = "Prescriber"
MEDICAL_AFFAIRS = "Medical affairs"
COMPLIANCE_OFFICER = "Compliance officer"


def has_role(user, role: str) -> bool:
    """True when the user belongs to the role's group (cached per request on the user)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return role in cached
