from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect

from . import access, services
from .models import LessonPage
from .selectors import lesson_position


def mark_read(request, lesson_id: int):
    """ "Mark as read and continue": record the lesson, go on to the next one (or the programme)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refusal = access.learner_refusal(request)
    if refusal is not None:
        return refusal
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    services.lesson_mark_read(user=request.user, lesson=lesson)
    position = lesson_position(user=request.user, lesson=lesson)
    if position is None:
        return redirect(lesson.get_parent().get_url(request))
    target = position.next or position.programme
    return redirect(target.get_url(request))
