"""Production: everything that matters comes from the environment; refuse to start without it.

Required: SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL (PostgreSQL), REDIS_URL (the
cache shared by every app process: rate limits), PUBLIC_BASE_URL, WAGTAILADMIN_BASE_URL,
TRUSTED_PROXY_COUNT (0 when nothing is in front), EMAIL_HOST, DEFAULT_FROM_EMAIL and the
attestation signing key (ATTESTATION_SIGNING_PKCS12, or ATTESTATION_SIGNING_KEY and
ATTESTATION_SIGNING_CERT). App processes hold no state of their own: sessions live in the database,
rate limits in Redis.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, STORAGES


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable for production.")
    return value


DEBUG = False
LMS_TRUST_TYPED_HPR = False  # production never takes a typed HPR number on trust
SECRET_KEY = required("SECRET_KEY")
ALLOWED_HOSTS = required("ALLOWED_HOSTS").split(",")
CSRF_TRUSTED_ORIGINS = required("CSRF_TRUSTED_ORIGINS").split(",")
required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database in production (postgres://...).")
# Each app thread keeps its database connection for a minute (checked before reuse) instead of
# opening one per request: under a crowd, opening connections is what ran into the connect timeout.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Printed in every attestation's QR code and in e-mail links: a forgotten value would be permanent.
PUBLIC_BASE_URL = required("PUBLIC_BASE_URL").rstrip("/")
WAGTAILADMIN_BASE_URL = required("WAGTAILADMIN_BASE_URL").rstrip("/")
ALLAUTH_TRUSTED_PROXY_COUNT = int(required("TRUSTED_PROXY_COUNT"))
EMAIL_HOST = required("EMAIL_HOST")
DEFAULT_FROM_EMAIL = required("DEFAULT_FROM_EMAIL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": required("REDIS_URL")}
}

# The attestation signing key, from the organisation's PKI (README: "Signed attestations").
ATTESTATION_SIGNING_DEV_KEY = False
if not (os.environ.get("ATTESTATION_SIGNING_PKCS12") or os.environ.get("ATTESTATION_SIGNING_KEY")):
    raise ImproperlyConfigured(
        "Set ATTESTATION_SIGNING_PKCS12 (with ATTESTATION_SIGNING_PASSPHRASE), or ATTESTATION_SIGNING_KEY "
        "and ATTESTATION_SIGNING_CERT, for production: attestations are signed with that key."
    )
if os.environ.get("ATTESTATION_SIGNING_KEY"):
    required("ATTESTATION_SIGNING_CERT")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is hard to undo: only when asked for.
SECURE_HSTS_PRELOAD = os.environ.get("HSTS_PRELOAD") == "1"
if not SECURE_HSTS_PRELOAD:
    # check --deploy would advise preloading; not preloading is the decision until HSTS_PRELOAD=1.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Static files served by the app processes themselves (hashed names, compressed), behind the proxy.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
