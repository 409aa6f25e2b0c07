from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from certificates import api as status_api
from certificates import views as certificate_views

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The attestation status API for pharmacy and hospital systems (docs at /api/v1/docs).
    path("api/v1/", status_api.urls()),
    # The QR code's target: language from the browser; /nb/ and /en/ forms are below.
    path("verify/<str:code>/", certificate_views.verify, name="verify_public"),
    # What the verify page asks after checking the QR code's signature in the browser.
    path("verify/<str:code>/status.json", certificate_views.verify_status, name="verify_status"),
    # The public keys that sign attestations (PDF and QR code), for verifiers offline.
    path(".well-known/attestation-keys.json", certificate_views.attestation_keys, name="attestation_keys"),
    # Wagtail's admin login (WAGTAILADMIN_LOGIN_URL): staff sign in through the same allauth login
    # as everybody else; a signed-in user without admin access gets a 403 page, not a redirect loop.
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("help/", views.help_page, name="help"),
    # The same, in a language of its own (the language links of its 403 page lead here).
    path("admin/login/", views.admin_login),
    path("quiz/", include("quizzes.urls")),
    path("account/", include("compliance.urls")),
    path("", include("certificates.urls")),
    path("", include("courses.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
