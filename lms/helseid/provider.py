from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
    OpenIDConnectProviderAccount,
)
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import urlencode
from requests import RequestException

from . import claims as helseid_claims
from .client import push_authorization_request
from .views import HelseIDOAuth2Adapter


class HelseIDAccount(OpenIDConnectProviderAccount):
    def to_str(self):
        return helseid_claims.full_name_from(self.account.extra_data) or super().to_str()


class HelseIDProvider(OpenIDConnectProvider):
    id = "helseid"
    name = "HelseID"
    account_class = HelseIDAccount
    oauth2_adapter_class = HelseIDOAuth2Adapter
    # Only the browser flow (with PKCE, nonce and a client assertion); no posting of tokens.
    supports_token_authentication = False

    def get_login_url(self, request, **kwargs):
        url = reverse("helseid_login")
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self):
        return reverse("helseid_callback")

    def get_oauth2_adapter(self, request):
        return self.oauth2_adapter_class(request)

    def get_default_scope(self):
        # No e-mail scope: HelseID has no verified e-mail for most people; allauth asks for it.
        return ["openid", "profile", helseid_claims.HPR_NUMBER_SCOPE]

    def get_scope(self):
        scope = self.get_default_scope()
        scope += [s for s in self.app.settings.get("extra_scopes", []) if s not in scope]
        return scope

    # What is asked of HelseID comes from settings only, never from the query string.
    def get_scope_from_request(self, request):
        return self.get_scope()

    def get_auth_params_from_request(self, request, action):
        return self.get_auth_params()

    def extract_extra_data(self, data):
        return helseid_claims.without_pid(data)

    def extract_common_fields(self, data):
        claims = data.get("id_token") or {}
        return {
            "name": helseid_claims.full_name_from(data),
            "first_name": claims.get("given_name"),
            "last_name": claims.get("family_name"),
        }

    def extract_email_addresses(self, data):
        return []

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        """Send the browser to HelseID: PKCE (S256) and a nonce always; the parameters pushed to
        the PAR endpoint (client-authenticated) when HelseID offers one, as it requires of new
        clients; otherwise in the query string."""
        adapter = self.get_oauth2_adapter(request)
        kwargs.pop("auth_params", None)
        kwargs.pop("scope", None)
        pkce = generate_code_challenge()
        nonce = get_random_string(43)
        state_id = self.stash_redirect_state(
            request,
            process,
            next_url,
            data,
            pkce_code_verifier=pkce["code_verifier"],
            nonce=nonce,
            **kwargs,
        )
        params = {
            **self.get_auth_params(),
            "client_id": self.app.client_id,
            "redirect_uri": adapter.get_callback_url(request, self.app),
            "response_type": "code",
            "scope": " ".join(self.get_scope()),
            "state": state_id,
            "nonce": nonce,
            "code_challenge": pkce["code_challenge"].decode("ascii"),
            "code_challenge_method": "S256",
        }
        try:
            config = adapter.openid_config
            par_endpoint = config.get("pushed_authorization_request_endpoint")
            if par_endpoint:
                request_uri = push_authorization_request(
                    endpoint=par_endpoint, params=params, auth=adapter.assertion_auth(self.app)
                )
                params = {"client_id": self.app.client_id, "request_uri": request_uri}
            return HttpResponseRedirect(f"{config['authorization_endpoint']}?{urlencode(params)}")
        except (OAuth2Error, RequestException, KeyError, ValueError) as e:
            return render_authentication_error(
                request, self, extra_context={"state_id": state_id}, exception=e
            )


provider_classes = [HelseIDProvider]
