from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import HelseIDProvider

urlpatterns = default_urlpatterns(HelseIDProvider)
