from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("lessons/<int:lesson_id>/read/", views.mark_read, name="mark_read"),
]
