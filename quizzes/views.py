import json

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Locale

from courses import access
from courses.selectors import programme_for_slug, programme_in_language

from . import scoring, selectors, services
from .models import Attempt

# Language names as they read inside a sentence ("… in English" / "… på engelsk").
LANGUAGE_IN_SENTENCE = {
    "nb": pgettext_lazy("language name inside a sentence", "Norwegian bokmål"),
    "en": pgettext_lazy("language name inside a sentence", "English"),
}


def _programme_or_404(slug):
    programme = programme_for_slug(slug=slug, locale=Locale.get_active())
    if programme is None:
        raise Http404
    return programme


def _quiz_page(request, programme, *, eligibility=None, status=200):
    key = programme.translation_key
    closed = eligibility is not None or selectors.closing_refusal(user=request.user, programme=programme)
    context = {
        "programme": programme,
        "rules": selectors.quiz_rules(programme=programme),
        "eligibility": eligibility or selectors.quiz_eligibility(user=request.user, programme=programme),
        "open_attempt": None if closed else selectors.open_attempt(user=request.user, programme_key=key),
        "attempts": selectors.user_attempts(user=request.user, programme_key=key)[:20],
    }
    if context["open_attempt"] or context["eligibility"].ok:
        context["cooldown_hours"] = selectors.cooldown_after_next_failure(
            user=request.user, programme=programme
        )
    return render(request, "quizzes/quiz.html", context, status=status)


def quiz(request, slug):
    """The quiz's front page: the rules, whether you may start, your earlier attempts."""
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    return _quiz_page(request, _programme_or_404(slug))


@require_POST
def start(request, slug):
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    programme = _programme_or_404(slug)
    try:
        attempt = services.attempt_start(user=request.user, programme=programme)
    except services.QuizError as error:
        refused = selectors.Eligibility(False, error.code, error.message)
        return _quiz_page(request, programme, eligibility=refused, status=error.status)
    return redirect("quizzes:attempt", attempt_id=attempt.pk)


def _own_attempt_or_404(request, attempt_id):
    # The user comes along: the result page asks whether their HPR number is confirmed.
    return get_object_or_404(
        Attempt.objects.select_related("programme", "user"), pk=attempt_id, user=request.user
    )


def attempt(request, attempt_id):
    """Answer the questions (GET), save them for later or submit them (POST)."""
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    current = _own_attempt_or_404(request, attempt_id)
    if request.method == "POST":
        answers = scoring.parse_answers(request.POST)
        if request.POST.get("action") == "save":
            return _save_from_form(request, current, answers)
        return _submit(request, current, answers)
    if current.status == Attempt.Status.SUBMITTED:
        return redirect("quizzes:result", attempt_id=current.pk)
    if current.status == Attempt.Status.EXPIRED or current.expires_at <= timezone.now():
        return _render_attempt(request, current, expired=True, status=410)
    return _render_attempt(request, current)


def _submit(request, current, answers):
    try:
        services.attempt_submit(attempt_id=current.pk, user=request.user, answers=answers)
    except services.AttemptClosed as error:
        if error.code == "already_submitted":
            return _already_submitted(request, current, answers=answers)
        return _render_attempt(request, current, expired=True, status=error.status)
    except services.QuizError as error:
        return _render_attempt(request, current, error=error.message, status=error.status, answers=answers)
    return redirect("quizzes:result", attempt_id=current.pk)


def _save_from_form(request, current, answers):
    """The "Save answers" button: works without JavaScript, then shows the page again."""
    try:
        answered = services.attempt_save_answers(
            attempt_id=current.pk, user=request.user, answers=answers, clear_unanswered=True
        )
    except services.AttemptClosed as error:
        if error.code == "already_submitted":
            return _already_submitted(request, current, saving=True)
        return _render_attempt(request, current, expired=True, status=error.status)
    except services.QuizError as error:
        return _render_attempt(request, current, error=error.message, status=error.status, answers=answers)
    messages.success(
        request,
        _("Your answers are saved: %(answered)s of %(total)s questions answered.")
        % {"answered": answered, "total": current.question_count},
    )
    return redirect("quizzes:attempt", attempt_id=current.pk)


def _submitted_elsewhere_message(current) -> str:
    return _(
        "This attempt was already submitted in another window at %(time)s; "
        "the answers in this window were not scored."
    ) % {"time": formats.time_format(timezone.localtime(current.ended_at), "TIME_FORMAT")}


def _already_submitted(request, current, *, answers=None, saving=False):
    """A stale window: say that the attempt was submitted elsewhere, not show that result as its own.

    A second click on "Submit" with the very answers that were scored is the same submission:
    that one goes to its result.
    """
    current.refresh_from_db()
    if not saving and selectors.submitted_answers_match(attempt=current, answers=answers or {}):
        return redirect("quizzes:result", attempt_id=current.pk)
    context = {
        **_attempt_links(request, current),
        "attempt": current,
        "submitted_elsewhere": _submitted_elsewhere_message(current),
    }
    return render(request, "quizzes/attempt.html", context, status=409)


@require_POST
def save(request, attempt_id):
    """Autosave from the attempt page's script: ``{"answers": {"<item id>": ["<token>", …]}}``.

    Each item sent replaces what was saved for it. Answers JSON: 200 with the count answered,
    400 (foreign or malformed answers, nothing saved), 404, 409 (submitted elsewhere), 410.
    """
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    current = _own_attempt_or_404(request, attempt_id)
    answers = _json_answers(request.body)
    if answers is None:
        return JsonResponse({"error": _("The answers could not be read."), "code": "malformed"}, status=400)
    try:
        answered = services.attempt_save_answers(attempt_id=current.pk, user=request.user, answers=answers)
    except services.AttemptClosed as error:
        if error.code == "already_submitted":
            current.refresh_from_db()
            return JsonResponse(
                {
                    "error": _submitted_elsewhere_message(current),
                    "code": error.code,
                    "result_url": reverse("quizzes:result", args=[current.pk]),
                },
                status=409,
            )
        return JsonResponse({"error": error.message, "code": error.code}, status=error.status)
    except services.QuizError as error:
        return JsonResponse({"error": error.message, "code": error.code}, status=error.status)
    return JsonResponse({"saved": True, "answered": answered, "total": current.question_count})


def _json_answers(body: bytes) -> dict | None:
    """``{"answers": {str: [str, …]}}`` from the request body, or None when it is not that."""
    try:
        answers = json.loads(body or b"null").get("answers")
    except (ValueError, AttributeError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        return None
    if not isinstance(answers, dict):
        return None
    if not all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in answers.values()):
        return None
    return answers


def _attempt_links(request, current) -> dict:
    """The programme and its quiz in the page's language (the attempt may be in another)."""
    programme = programme_in_language(programme=current.programme, language_code=get_language())
    return {
        "programme": programme,
        "programme_url": reverse("quizzes:quiz", args=[programme.slug]),
        "result_url": reverse("quizzes:result", args=[current.pk]),
    }


def _render_attempt(request, current, *, error=None, status=200, answers=None, expired=False):
    context = {
        **_attempt_links(request, current),
        "attempt": current,
        "error": error,
        "expired": expired or current.status == Attempt.Status.EXPIRED,
        "other_language": current.language != get_language(),
        "attempt_language_name": str(LANGUAGE_IN_SENTENCE.get(current.language, current.language)),
    }
    if not context["expired"]:
        context["sheet"] = selectors.attempt_sheet(attempt=current, answers=answers)
        context["cooldown_hours"] = selectors.cooldown_after_next_failure(
            user=request.user, programme=current.programme
        )
    return render(request, "quizzes/attempt.html", context, status=status)


def _slug_for(current, request):
    translation = current.programme.get_translation_or_none(Locale.get_active())
    return (translation or current.programme).slug


def result(request, attempt_id):
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    current = _own_attempt_or_404(request, attempt_id)
    if current.status != Attempt.Status.SUBMITTED:
        return redirect("quizzes:attempt", attempt_id=current.pk)
    programme = current.programme.get_translation_or_none(Locale.get_active()) or current.programme
    context = {
        "result": selectors.attempt_result(attempt=current, request=request),
        "attempt": current,
        "quiz_url": reverse("quizzes:quiz", args=[_slug_for(current, request)]),
        "programme": programme,
        # The next step after a failed attempt is the learner's situation now, by the quiz page's
        # own rule: an old failed attempt after a pass (or during a cooldown) offers no new one.
        "next_step": None
        if current.passed
        else selectors.quiz_eligibility(user=request.user, programme=programme),
    }
    return render(request, "quizzes/result.html", context)
