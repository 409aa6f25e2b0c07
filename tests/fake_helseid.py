"""A local OpenID provider that behaves like HelseID, for tests: discovery, JWKS, PAR, token.

It runs on 127.0.0.1 in a thread and is reached over real HTTP by allauth's requests session.
It checks what HelseID checks of a client (a client assertion signed with the client's key,
iss = sub = client_id, aud = issuer, a lifetime of at most 60 s, a jti used once; PKCE S256; the
redirect URI) and answers with an ID token signed with its own RSA key. The browser step
(authorize) is driven by the test through ``authorize()``. Never touches the network.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PROVIDER_KID = "fake-helseid-1"


class ProviderError(Exception):
    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class FakeHelseID:
    def __init__(self, *, client_id: str, client_public_key, use_par: bool = True):
        self.client_id = client_id
        self.client_public_key = client_public_key
        self.use_par = use_par
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pushed: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.used_jtis: set[str] = set()
        self.rejections: list[str] = []  # why the provider refused a request, for assertions
        self.token_requests = 0
        self.id_token_overrides: dict = {}
        self.omit_claims: set[str] = set()
        self.sign_with = None  # another key to sign ID tokens with (same kid): a forged token
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- what the endpoints serve ------------------------------------------------------------------
    def discovery(self) -> dict:
        config = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/connect/authorize",
            "token_endpoint": f"{self.issuer}/connect/token",
            "jwks_uri": f"{self.issuer}/.well-known/openid-configuration/jwks",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "code_challenge_methods_supported": ["S256"],
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        if self.use_par:
            config["pushed_authorization_request_endpoint"] = f"{self.issuer}/connect/par"
            config["require_pushed_authorization_requests"] = True
        return config

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.signing_key.public_key()))
        return {"keys": [{**jwk, "kid": PROVIDER_KID, "use": "sig", "alg": "RS256"}]}

    def check_client_assertion(self, form: dict) -> None:
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise ProviderError(401, "invalid_client", "client_assertion_type missing or wrong")
        if "client_secret" in form:
            raise ProviderError(401, "invalid_client", "client secrets are not accepted")
        try:
            claims = jwt.decode(
                form.get("client_assertion", ""),
                self.client_public_key,
                algorithms=["RS256", "PS256", "ES256"],
                audience=self.issuer,
                issuer=self.client_id,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as e:
            raise ProviderError(401, "invalid_client", f"client assertion rejected: {e}") from e
        if claims["sub"] != self.client_id or form.get("client_id", self.client_id) != self.client_id:
            raise ProviderError(401, "invalid_client", "client assertion sub is not the client")
        if claims["exp"] - claims["iat"] > 60:
            raise ProviderError(401, "invalid_client", "client assertion lives longer than 60 s")
        if claims["jti"] in self.used_jtis:
            raise ProviderError(401, "invalid_client", "client assertion replayed")
        self.used_jtis.add(claims["jti"])

    def par(self, form: dict) -> tuple[int, dict]:
        self.check_client_assertion(form)
        if form.get("code_challenge_method") != "S256" or not form.get("code_challenge"):
            raise ProviderError(400, "invalid_request", "PKCE S256 is required")
        request_uri = f"urn:ietf:params:oauth:request_uri:{secrets.token_urlsafe(16)}"
        self.pushed[request_uri] = form
        return 201, {"request_uri": request_uri, "expires_in": 60}

    def token(self, form: dict) -> tuple[int, dict]:
        self.token_requests += 1
        self.check_client_assertion(form)
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            raise ProviderError(400, "invalid_grant", "unknown or used code")
        request = grant["request"]
        if form.get("redirect_uri") != request["redirect_uri"]:
            raise ProviderError(400, "invalid_grant", "redirect_uri differs from the authorize request")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != request["code_challenge"]:
            raise ProviderError(400, "invalid_grant", "PKCE verifier does not match the challenge")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": grant["user"]["sub"],
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": request.get("nonce"),
            "name": grant["user"].get("name"),
            "given_name": grant["user"].get("given_name"),
            "family_name": grant["user"].get("family_name"),
            "helseid://claims/hpr/hpr_number": grant["user"].get("hpr_number"),
            "helseid://claims/identity/pid": grant["user"].get("pid"),
            "helseid://claims/identity/security_level": "4",
        }
        claims.update(self.id_token_overrides)
        claims = {k: v for k, v in claims.items() if v is not None and k not in self.omit_claims}
        key = self.sign_with or self.signing_key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": PROVIDER_KID})
        return 200, {
            "access_token": f"at-{secrets.token_urlsafe(16)}",
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": id_token,
            "scope": request.get("scope"),
        }

    # --- the browser step, driven by the test --------------------------------------------------------
    def authorize(self, url: str, *, user: dict) -> str:
        """What HelseID does when the browser arrives at ``url`` and ``user`` signs in: the
        redirect back to the client (with code, state and iss)."""
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{self.issuer}/connect/authorize", url
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if self.use_par:
            assert set(query) == {"client_id", "request_uri"}, query  # nothing else in the browser
            request = self.pushed.pop(query["request_uri"])
        else:
            request = query
        assert request["client_id"] == self.client_id
        assert request["response_type"] == "code"
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"request": request, "user": user}
        self.last_request = request
        answer = {"code": code, "state": request["state"], "iss": self.issuer}
        return f"{request['redirect_uri']}?{urlencode(answer)}"

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    return self._send(200, provider.discovery())
                if self.path == "/.well-known/openid-configuration/jwks":
                    return self._send(200, provider.jwks())
                return self._send(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                routes = {"/connect/par": provider.par, "/connect/token": provider.token}
                if self.path not in routes:
                    return self._send(404, {"error": "not_found"})
                try:
                    status, body = routes[self.path](form)
                except ProviderError as e:
                    provider.rejections.append(e.description)
                    status, body = e.status, {"error": e.error, "error_description": e.description}
                return self._send(status, body)

        return Handler
