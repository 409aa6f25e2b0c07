from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from courses import access

from . import selectors, services


def _verify_rate(group, request):
    return settings.VERIFY_RATE_LIMIT


def rate_limited(request, exception=None):
    """Too many look-ups from one address (verify page, verify form)."""
    response = render(request, "certificates/rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


@never_cache
def mine(request):
    """My attestations: every attestation of the signed-in prescriber, current and past."""
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    rows = [
        {"attestation": a, "status": selectors.status_of(a, holder=request.user)}
        for a in selectors.user_attestations(user=request.user)
    ]
    return render(request, "certificates/mine.html", {"rows": rows})


@never_cache
def download(request, pk: int):
    """The stored PDF, for its holder and for Compliance officers; 404 for anyone else."""
    if not request.user.is_authenticated:
        raise Http404
    attestation = selectors.downloadable_attestation(user=request.user, pk=pk)
    document = selectors.document_for(attestation=attestation) if attestation else None
    if document is None:
        raise Http404
    services.attestation_access_record(
        action="attestation.downloaded",
        attestation=attestation,
        actor=request.user,
        payload={"sha256": document.sha256},
    )
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{attestation.serial}.pdf"'
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class VerifyForm(forms.Form):
    serial = forms.CharField(
        label=_("Serial"),
        max_length=32,
        help_text=_("As printed on the attestation, e.g. LEM-2026-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=64,
        help_text=_("The code at the end of the address printed under the QR code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _verify_result(request, attestation, *, via: str):
    status = selectors.status_of(attestation)
    services.attestation_access_record(
        action="attestation.verified", attestation=attestation, payload={"status": status.code, "via": via}
    )
    return render(
        request,
        "certificates/verify.html",
        {
            "attestation": attestation,
            "status": status,
            "checked_at": timezone.now(),
            # For the signature check in the browser (static/certificates/verify-seal.js), which
            # must work with the network gone once the page is open.
            "published_keys": selectors.published_key_set(),
        },
    )


@never_cache
@require_GET
@ratelimit(key="ip", rate=_verify_rate, block=False, group="verify")
def verify_status(request, code: str):
    """Public, JSON: the status now, for the verify page's script once it has checked the QR
    code's signature offline. The same facts as the verify page, nothing more."""
    if request.limited:
        return JsonResponse(
            {"detail": gettext("Too many look-ups. Wait a minute and try again.")}, status=429
        )
    attestation = selectors.attestation_for_code(code=code)
    if attestation is None:
        return JsonResponse({"detail": gettext("No attestation has this verification code.")}, status=404)
    status = selectors.status_of(attestation)
    services.attestation_access_record(
        action="attestation.verified",
        attestation=attestation,
        payload={"status": status.code, "via": "qr_signature_then_server"},
    )
    answer = {
        "status": status.code,
        "label": str(status.label),
        "reason": str(status.public_reason),
        "valid_until": status.valid_through.isoformat() if status.valid_through else None,
        "valid_until_display": formats.date_format(status.valid_through) if status.valid_through else "",
        "may_initiate": status.code == selectors.VALID,
        "checked_at": timezone.now().isoformat(),
    }
    # The page's script asks whether the signed payload it holds is this attestation's (a payload
    # of another grafted onto this address): it sends the payload's serial, and only learns
    # yes or no. The serial itself is never shown here, as on the page.
    claimed = request.GET.get("serial", "")
    if claimed:
        answer["serial_matches"] = claimed == attestation.serial
    return JsonResponse(answer)


@require_GET
@cache_control(public=True, max_age=300)
def attestation_keys(request):
    """Public: the keys that sign attestations, as a JWK set (``selectors.published_key_set``)."""
    response = JsonResponse(selectors.published_key_set())
    response["Access-Control-Allow-Origin"] = "*"  # verifiers on any origin may fetch it
    return response


@never_cache
@ratelimit(key="ip", rate=_verify_rate, block=False, group="verify")
def verify(request, code: str):
    """Public: status, holder name, programme and valid-until of one attestation; nothing more."""
    if request.limited:
        return rate_limited(request)
    attestation = selectors.attestation_for_code(code=code)
    if attestation is None:
        return render(request, "certificates/verify_unknown.html", status=404)
    return _verify_result(request, attestation, via="qr")


@never_cache
@ratelimit(key="ip", rate=_verify_rate, method="POST", block=False, group="verify")
def verify_form(request):
    """Public: type the serial and code printed on an attestation."""
    if request.limited:
        return rate_limited(request)
    # Bound on every POST, even an empty one, so a POST without the fields says what is missing.
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        attestation = selectors.attestation_for_serial_and_code(
            serial=form.cleaned_data["serial"], code=form.cleaned_data["code"]
        )
        if attestation is not None:
            return _verify_result(request, attestation, via="serial_and_code")
        form.add_error(None, _("No attestation matches this serial and code. Check both and try again."))
        return render(request, "certificates/verify_form.html", {"form": form}, status=404)
    return render(request, "certificates/verify_form.html", {"form": form})
