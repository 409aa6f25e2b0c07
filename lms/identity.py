"""Who a prescriber is: the canonical HPR number and whether it has been verified.

One owner for each rule: ``hpr_canonical`` is the only way an HPR number typed by a person or
sent by a system becomes the value stored and looked up; ``hpr_is_verified`` is the only answer to
"do we know this HPR number belongs to this person?"; ``hpr_verify`` is the only way it becomes so.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record

from .validators import visible_text

# ASCII digits only: "９８７" must not pass as "987". Spaces people type are removed first.
_TYPED = re.compile(r"[0-9]{1,14}")  # up to five leading zeros before nine digits
_SPACES = re.compile(r"\s+")
# What the database accepts: digits, no leading zero, at most nine of them.
CANONICAL_PATTERN = r"^[1-9][0-9]{6,8}$"


def hpr_canonical(value) -> str:
    """The one stored form of an HPR number: digits only, without spaces or leading zeros.

    ``"1234567"``, ``"01234567"`` and ``"123 45 67"`` are the same number. Without its leading
    zeros a number has 7 to 9 digits ("0000001" is no HPR number); an all-zero number or anything
    with letters is refused with a ValidationError.
    """
    typed = _SPACES.sub("", str(value or ""))
    if not _TYPED.fullmatch(typed):
        raise ValidationError(
            _("The HPR number must be 7 to 9 digits, with no letters or other characters."),
            code="invalid_hpr",
        )
    canonical = typed.lstrip("0")
    if not canonical:
        raise ValidationError(_("0 is not an HPR number."), code="zero_hpr")
    if not 7 <= len(canonical) <= 9:
        raise ValidationError(
            _("The HPR number must be 7 to 9 digits, with no letters or other characters."),
            code="invalid_hpr",
        )
    return canonical


HPR_CONFIRMED_ELSEWHERE = _(
    "This HPR number is already confirmed for another account. Nothing was changed: find out with "
    "the people concerned which account is whose."
)


def trusts_typed_hpr() -> bool:
    """Development only (``make run``): typed HPR numbers count as verified. Never in production."""
    return bool(getattr(settings, "LMS_TRUST_TYPED_HPR", False))


def hpr_is_verified(user) -> bool:
    """True when the user's HPR number is known to be theirs (HelseID, or confirmed by Compliance)."""
    if not getattr(user, "hpr_number", None):
        return False
    return user.hpr_verified_at is not None or trusts_typed_hpr()


def hpr_account(hpr_number: str):
    """The account an HPR number (canonical form) stands for: the one that has it confirmed, else
    the earliest that claimed it (whose status then says its number is not confirmed)."""
    return hpr_accounts(hpr_number).first()


def hpr_accounts(hpr_number: str):
    """Every account that typed this HPR number (canonical form), the one it stands for first
    (``hpr_account``): a queryset, for callers that look up more in the same query."""
    from .models import User

    return User.objects.filter(hpr_number=hpr_number).order_by(
        F("hpr_verified_at").asc(nulls_last=True), "date_joined", "pk"
    )


def hpr_other_claims(user):
    """Other accounts that typed the same HPR number (for the Compliance officer confirming it)."""
    from .models import User

    if not user.hpr_number:
        return User.objects.none()
    return User.objects.filter(hpr_number=user.hpr_number).exclude(pk=user.pk).order_by("date_joined")


def hpr_verified_q(prefix: str = "") -> Q:
    """``hpr_is_verified`` as a query condition, e.g. ``hpr_verified_q("user__")`` on attestations."""
    has_number = Q(**{f"{prefix}hpr_number__isnull": False})
    if trusts_typed_hpr():
        return has_number
    return has_number & Q(**{f"{prefix}hpr_verified_at__isnull": False})


def hpr_holders():
    """Active prescribers with an HPR number: the accounts whose number can be confirmed."""
    from . import roles
    from .models import User

    return User.objects.filter(is_active=True, groups__name=roles.PRESCRIBER, hpr_number__isnull=False)


def hpr_awaiting_verification():
    """Prescribers whose HPR number nobody has confirmed yet, oldest sign-up first (the admin's queue).

    The stored confirmation counts here, not ``trusts_typed_hpr``: development mode does not empty it.
    """
    return hpr_holders().filter(hpr_verified_at__isnull=True).order_by("date_joined", "pk")


def hpr_verify(*, user, method: str, by=None, note: str = "", now=None):
    """Record that the user's HPR number is theirs. Idempotent for a user already verified.

    The first time, ``signals.hpr_verified`` is sent inside the same transaction (so the
    attestation app can queue the PDFs it held back until now, after commit).
    """
    from .models import User
    from .signals import hpr_verified

    if method not in User.HprVerification.values:
        raise ValueError(f"Unknown verification method {method!r}")
    note = visible_text(note)
    if method == User.HprVerification.COMPLIANCE and not note:
        raise ValidationError(
            _("Say what you checked to confirm the HPR number, e.g. “Checked in the HPR register on …”."),
            code="note_required",
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.hpr_number:
            raise ValidationError(_("This account has no HPR number to verify."), code="no_hpr")
        if locked.hpr_verified_at is None:
            confirmed_elsewhere = (
                User.objects.filter(hpr_number=locked.hpr_number, hpr_verified_at__isnull=False)
                .exclude(pk=locked.pk)
                .exists()
            )
            if confirmed_elsewhere:
                raise ValidationError(HPR_CONFIRMED_ELSEWHERE, code="hpr_confirmed_elsewhere")
            locked.hpr_verified_at = now or timezone.now()
            locked.hpr_verified_by = by
            locked.hpr_verification_method = method
            locked.hpr_verification_note = note
            try:
                with transaction.atomic():  # two confirmations of one number racing: one wins
                    locked.save(
                        update_fields=[
                            "hpr_verified_at",
                            "hpr_verified_by",
                            "hpr_verification_method",
                            "hpr_verification_note",
                        ]
                    )
            except IntegrityError:
                raise ValidationError(HPR_CONFIRMED_ELSEWHERE, code="hpr_confirmed_elsewhere") from None
            audit_record(
                "identity.hpr_verified",
                actor=by,
                obj=locked,
                payload={"hpr_number": locked.hpr_number, "method": method, "note": note},
                now=locked.hpr_verified_at,
            )
            hpr_verified.send(sender=User, user=locked, method=method, by=by)
    return locked
