"""The OAuth2 adapter and views for HelseID: token request with a client assertion, and an ID
token that is always verified (signature against HelseID's JWKS, issuer, audience, expiry,
nonce) before anything is read from it."""

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.http import Http404
from django.urls import reverse

from .client import ALGORITHMS, HelseIDOAuth2Client, assertion_params, load_signing_key

# Clock difference tolerated between HelseID and this server when checking exp/iat/nbf.
LEEWAY_SECONDS = 30


def verify_id_token(*, id_token: str, jwks_uri: str, issuer: str, client_id: str, nonce: str | None) -> dict:
    """The ID token's claims, or OAuth2Error. The signature is always checked, whatever the
    transport: only asymmetric algorithms, with the key HelseID publishes under the token's kid."""
    try:
        header = jwt.get_unverified_header(id_token)
        if header.get("alg") not in ALGORITHMS:
            raise OAuth2Error(f"ID token signed with a refused algorithm {header.get('alg')!r}")
        algorithm, key = jwtkit.fetch_key(id_token, jwks_uri, jwtkit.lookup_kid_jwk)
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=[algorithm],
            issuer=issuer,
            audience=client_id,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "sub", "exp", "iat"], "verify_signature": True},
        )
    except (jwt.PyJWTError, KeyError) as e:
        raise OAuth2Error(f"Invalid ID token: {e}") from e
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and claims.get("azp") != client_id:
        raise OAuth2Error("ID token has several audiences and another authorized party.")
    if not nonce or claims.get("nonce") != nonce:
        raise OAuth2Error("ID token nonce does not match the sign-in request.")
    jwtkit.verify_jti(claims)
    return claims


class HelseIDOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    client_class = HelseIDOAuth2Client

    def __init__(self, request):
        super().__init__(request, "helseid")
        self.expected_nonce = None

    @property
    def basic_auth(self):
        return False

    def get_callback_url(self, request, app):
        return build_absolute_uri(request, reverse("helseid_callback"), self.redirect_uri_protocol)

    def signing_key(self, app):
        return load_signing_key(app.settings.get("private_key_path", ""), key_id=app.settings.get("key_id"))

    def assertion_auth(self, app) -> dict:
        """Fresh client authentication parameters (one assertion per request)."""
        return assertion_params(
            client_id=app.client_id,
            audience=self.openid_config["issuer"],
            signing_key=self.signing_key(app),
        )

    def get_client(self, request, app):
        return self.client_class(
            self.request,
            app.client_id,
            "",
            self.access_token_method,
            self.access_token_url,
            self.get_callback_url(request, app),
            scope_delimiter=self.scope_delimiter,
            headers=self.headers,
            basic_auth=False,
            assertion_auth=lambda: self.assertion_auth(app),
        )

    def parse_token(self, data):
        # We call no API with HelseID's tokens, so we keep none of them: the access token may
        # itself carry the national identity number, and a pending sign-up is kept in the session.
        token = super().parse_token(data)
        token.token = ""
        token.token_secret = ""
        return token

    def complete_login(self, request, app, token: SocialToken, **kwargs):
        issuer = self.openid_config["issuer"]
        # Mix-up defence: HelseID names itself in the authorization response.
        returned_issuer = request.GET.get("iss")
        if returned_issuer is not None and returned_issuer != issuer:
            raise OAuth2Error("The authorization response came from another issuer.")
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("HelseID returned no ID token.")
        claims = verify_id_token(
            id_token=id_token,
            jwks_uri=self.openid_config["jwks_uri"],
            issuer=issuer,
            client_id=app.client_id,
            nonce=self.expected_nonce,
        )
        return self.get_provider().sociallogin_from_response(request, {"id_token": claims})


class HelseIDCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        # The nonce sent with this sign-in, for the ID token check in complete_login.
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


def _enabled(view):
    def wrapped(request, *args, **kwargs):
        if not settings.HELSEID_ENABLED:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    return login_not_required(wrapped)


oauth2_login = _enabled(OAuth2LoginView.adapter_view(HelseIDOAuth2Adapter))
oauth2_callback = _enabled(HelseIDCallbackView.adapter_view(HelseIDOAuth2Adapter))
