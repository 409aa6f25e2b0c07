"""Client authentication with a signed JWT (``private_key_jwt``), as HelseID requires of every
client: at the token endpoint and at the pushed authorization request (PAR) endpoint."""

import json
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import jwt
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.exceptions import ImproperlyConfigured

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# HelseID: an assertion may live at most 60 seconds; it is used once (unique jti).
ASSERTION_LIFETIME = 60
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


@dataclass(frozen=True)
class SigningKey:
    key: object
    algorithm: str
    key_id: str | None


def load_signing_key(path: str, *, key_id: str | None = None) -> SigningKey:
    """The client's private key from a PEM file or a JWK (JSON) file, as HelseID Selvbetjening
    hands it out. The algorithm comes from the JWK's ``alg``; otherwise RS256 for RSA and ES256 for
    a P-256 key."""
    if not path:
        raise ImproperlyConfigured("HELSEID_PRIVATE_KEY_PATH is not set.")
    text = Path(path).read_text(encoding="utf-8").strip()
    if text.startswith("{"):
        jwk = json.loads(text)
        kty = jwk.get("kty")
        if kty == "RSA":
            key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
        elif kty == "EC":
            key = jwt.algorithms.ECAlgorithm.from_jwk(jwk)
        else:
            raise ImproperlyConfigured(f"Unsupported HelseID key type {kty!r}.")
        algorithm = jwk.get("alg") or ("RS256" if kty == "RSA" else "ES256")
        key_id = key_id or jwk.get("kid")
    else:
        key = load_pem_private_key(text.encode("ascii"), password=None)
        algorithm = None
    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = algorithm or "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = algorithm or {256: "ES256", 384: "ES384", 521: "ES512"}[key.curve.key_size]
    else:
        raise ImproperlyConfigured("The HelseID key must be a private RSA or EC key.")
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(f"HelseID needs an asymmetric signing algorithm, not {algorithm!r}.")
    return SigningKey(key=key, algorithm=algorithm, key_id=key_id or None)


def client_assertion(*, client_id: str, audience: str, signing_key: SigningKey, now=None) -> str:
    """A fresh, single-use JWT that proves this client holds its private key."""
    issued = int(now if now is not None else time.time())
    headers = {"typ": "JWT"}
    if signing_key.key_id:
        headers["kid"] = signing_key.key_id
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": uuid.uuid4().hex,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    return jwt.encode(payload, signing_key.key, algorithm=signing_key.algorithm, headers=headers)


def assertion_params(*, client_id: str, audience: str, signing_key: SigningKey) -> dict:
    return {
        "client_id": client_id,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id=client_id, audience=audience, signing_key=signing_key),
    }


def _json_or_error(response, what: str) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code not in (HTTPStatus.OK, HTTPStatus.CREATED) or not isinstance(data, dict):
        # The body names the error (invalid_client, invalid_grant...); it carries no secret.
        raise OAuth2Error(f"HelseID {what} failed ({response.status_code}): {response.text[:300]}")
    return data


def push_authorization_request(*, endpoint: str, params: dict, auth: dict) -> str:
    """POST the authorization parameters to HelseID's PAR endpoint; returns the ``request_uri``."""
    with get_adapter().get_requests_session() as session:
        response = session.post(endpoint, data={**params, **auth})
    data = _json_or_error(response, "pushed authorization request")
    request_uri = data.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        raise OAuth2Error("HelseID returned no request_uri.")
    return request_uri


class HelseIDOAuth2Client(OAuth2Client):
    """allauth's OAuth2 client, but the token request carries a client assertion, never a secret."""

    def __init__(self, *args, assertion_auth, **kwargs):
        super().__init__(*args, **kwargs)
        self.assertion_auth = assertion_auth

    def get_access_token(self, code, pkce_code_verifier=None, extra_data=None):
        if not pkce_code_verifier:
            raise OAuth2Error("PKCE code verifier missing from the sign-in state.")
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.callback_url,
            "code_verifier": pkce_code_verifier,
            **self.assertion_auth(),
        }
        with get_adapter().get_requests_session() as session:
            response = session.post(self.access_token_url, data=data)
        token = _json_or_error(response, "token request")
        if "access_token" not in token:
            raise OAuth2Error("HelseID token response has no access_token.")
        return token
