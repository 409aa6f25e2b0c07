from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from wagtail.models import Locale

from courses import access
from courses.selectors import programme_for_slug

from . import scoring, selectors, services
from .models import Attempt


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
    return get_object_or_404(Attempt.objects.select_related("programme"), pk=attempt_id, user=request.user)


def attempt(request, attempt_id):
    """Answer the questions (GET) and submit them (POST)."""
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    current = _own_attempt_or_404(request, attempt_id)
    if current.status == Attempt.Status.SUBMITTED:
        return redirect("quizzes:result", attempt_id=current.pk)
    if request.method == "POST":
        answers = scoring.parse_answers(request.POST)
        try:
            services.attempt_submit(attempt_id=current.pk, user=request.user, answers=answers)
        except services.AttemptClosed as error:
            if error.code == "already_submitted":
                return redirect("quizzes:result", attempt_id=current.pk)
            return _render_attempt(request, current, expired=True, status=error.status)
        except services.QuizError as error:
            return _render_attempt(
                request, current, error=error.message, status=error.status, answers=answers
            )
        return redirect("quizzes:result", attempt_id=current.pk)
    if current.status == Attempt.Status.EXPIRED or current.expires_at <= timezone.now():
        return _render_attempt(request, current, expired=True, status=410)
    return _render_attempt(request, current)


def _render_attempt(request, current, *, error=None, status=200, answers=None, expired=False):
    answers = answers or {}
    items = []
    for item in current.items.all():
        selected = set(answers.get(str(item.pk), []))
        items.append(
            {
                "item": item,
                "options": [dict(option, checked=option["token"] in selected) for option in item.options],
            }
        )
    context = {
        "attempt": current,
        "programme_url": reverse("quizzes:quiz", args=[_slug_for(current, request)]),
        "items": items,
        "error": error,
        "expired": expired or current.status == Attempt.Status.EXPIRED,
    }
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
    context = {
        "result": selectors.attempt_result(attempt=current, request=request),
        "attempt": current,
        "quiz_url": reverse("quizzes:quiz", args=[_slug_for(current, request)]),
        "programme": current.programme.get_translation_or_none(Locale.get_active()) or current.programme,
    }
    return render(request, "quizzes/result.html", context)
