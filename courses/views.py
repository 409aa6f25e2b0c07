from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect

from . import access, services
from .models import LessonPage
from .selectors import lesson_position


def mark_read(request, lesson_id: int):
    """ "Mark as read and continue": record the lesson, go on to the next one (or the programme).

    Refused, with a message, for a lesson the server never delivered to this learner. The read
    that completes the programme leads to the programme page, where the quiz is next.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    position = lesson_position(user=request.user, lesson=lesson)  # as it stood before this read
    try:
        services.lesson_mark_read(user=request.user, lesson=lesson)
    except services.LessonNotOpened as error:
        messages.error(request, error.message)
        return redirect(lesson.get_url(request))
    if position is None:
        return redirect(lesson.get_parent().get_url(request))
    if position.progress.completed_by(lesson):
        # Scrolled to the progress: 100 % and, right below it, the way to the quiz.
        return redirect(f"{position.programme.get_url(request)}#progress")
    target = position.next or position.programme
    return redirect(target.get_url(request))
