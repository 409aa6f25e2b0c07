"""E-mails to holders, in the language they took the quiz in. Sent after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import ContentChange

from . import selectors
from .models import Attestation


def _absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _send(attestation: Attestation, template: str, **extra) -> None:
    with translation.override(attestation.language):
        context = {
            "attestation": attestation,
            "download_url": _absolute(reverse("certificates:download", args=[attestation.pk])),
            "attestations_url": _absolute(reverse("certificates:mine")),
            **extra,
        }
        subject = render_to_string(f"certificates/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"certificates/email/{template}.txt", context)
    send_mail(subject, body, None, [attestation.user.email])


def attestation_ready(*, attestation_id: int) -> None:
    attestation = Attestation.objects.select_related("user").get(pk=attestation_id)
    if attestation.holder_notified_at is not None:
        return
    _send(attestation, "ready")
    Attestation.objects.filter(pk=attestation.pk).update(holder_notified_at=timezone.now())


def attestation_revoked(*, attestation_id: int) -> None:
    attestation = Attestation.objects.select_related("user").get(pk=attestation_id)
    _send(attestation, "revoked")


def renewal_required(*, attestation_ids: list[int], change_id: int) -> None:
    """Tell holders what changed: also those already due for renewal after an earlier change."""
    change = ContentChange.objects.get(pk=change_id)
    for attestation in Attestation.objects.filter(pk__in=attestation_ids).select_related("user"):
        # The last day it counts without renewal: the renewal date, or its end date if sooner.
        _send(
            attestation,
            "renewal",
            change=change,
            valid_through=selectors.status_of(attestation).valid_through,
        )


def expiry_reminder(*, attestation: Attestation, days: int) -> None:
    _send(attestation, "reminder", days=days)
