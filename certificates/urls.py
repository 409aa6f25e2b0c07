from django.urls import path

from . import treatment, views

app_name = "certificates"

urlpatterns = [
    path("attestations/", views.mine, name="mine"),
    path("attestations/<int:pk>/pdf/", views.download, name="download"),
    path("treatment/<slug:slug>/", treatment.initiate, name="initiate"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
