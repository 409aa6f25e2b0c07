from django.urls import re_path

from . import views

app_name = "courses"

urlpatterns = [
    # At most nine digits: a larger number is no page id and must not reach the database.
    re_path(r"^lessons/(?P<lesson_id>[0-9]{1,9})/read/$", views.mark_read, name="mark_read"),
]
