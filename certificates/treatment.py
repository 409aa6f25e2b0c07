"""The treatment gate: a prescriber records that treatment starts, only while attested.

``services.treatment_initiation_record`` decides and stores (a record or a refusal);
this view shows the form, the reason for a refusal, and what was recorded.
"""

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from wagtail.models import Locale

from courses import access
from courses.selectors import programme_for_slug

from . import selectors, services
from .forms import INDICATION_SHORT, TreatmentInitiationForm, confirmation_texts
from .models import TreatmentInitiation


def _programme_or_404(slug):
    programme = programme_for_slug(slug=slug, locale=Locale.get_active())
    if programme is None:
        raise Http404
    return programme


def _history(request, programme):
    return [
        {
            "initiation": initiation,
            "indication": INDICATION_SHORT.get(initiation.confirmations.get("indication_basis")),
        }
        for initiation in selectors.recorded_treatment_initiations(user=request.user, programme=programme)
    ]


def _form_page(request, programme, *, status, form=None, recorded=None, http_status=200):
    context = {
        "programme": programme,
        "status": status,
        "form": form,
        "recorded": recorded,
        "recorded_texts": confirmation_texts(recorded.confirmations) if recorded else [],
        "history": _history(request, programme),
    }
    return render(request, "certificates/treatment.html", context, status=http_status)


def _refused_page(request, programme, *, code, reason, stored=False, http_status=200):
    """No form: why recording is not possible now, and what to do next."""
    context = {
        "programme": programme,
        "code": code,
        "reason": reason,
        "stored": stored,
        "history": _history(request, programme),
    }
    return render(request, "certificates/treatment_refused.html", context, status=http_status)


@never_cache
def initiate(request, slug):
    """Record treatment initiation (GET: the form, or why not; POST: record or refuse)."""
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    programme = _programme_or_404(slug)
    if request.method == "POST":
        return _record(request, programme)
    status = selectors.attestation_status(user=request.user, programme=programme)
    if not status.ok:
        return _refused_page(request, programme, code=status.code, reason=status.reason)
    recorded = selectors.own_recorded_treatment_initiation(
        user=request.user, programme=programme, pk=request.GET.get("recorded")
    )
    form = None if recorded else TreatmentInitiationForm()
    return _form_page(request, programme, status=status, form=form, recorded=recorded)


def _record(request, programme):
    form = TreatmentInitiationForm(request.POST)
    valid = form.is_valid()
    # The service decides. Without a valid attestation it stores the refusal whatever was
    # typed; with one, it refuses incomplete input (as the form did) and stores nothing.
    try:
        initiation = services.treatment_initiation_record(
            user=request.user,
            programme=programme,
            confirmations=form.confirmations() if valid else {},
            patient_reference=form.cleaned_data["patient_reference"] if valid else "",
            language=translation.get_language(),
        )
    except services.TreatmentInputError as error:
        if valid:
            form.add_error(None, error.message)
        status = selectors.attestation_status(user=request.user, programme=programme)
        return _form_page(request, programme, status=status, form=form, http_status=400)
    if initiation.outcome == TreatmentInitiation.Outcome.REFUSED:
        return _refused_page(
            request, programme, code=initiation.status, reason=initiation.reason, stored=True, http_status=403
        )
    url = reverse("certificates:initiate", args=[programme.slug])
    return redirect(f"{url}?recorded={initiation.pk}")
