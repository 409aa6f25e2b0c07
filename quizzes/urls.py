from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("attempt/<uuid:attempt_id>/", views.attempt, name="attempt"),
    path("attempt/<uuid:attempt_id>/save/", views.save, name="save"),
    path("attempt/<uuid:attempt_id>/result/", views.result, name="result"),
    path("<slug:slug>/", views.quiz, name="quiz"),
    path("<slug:slug>/start/", views.start, name="start"),
]
