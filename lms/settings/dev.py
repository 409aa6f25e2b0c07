"""Local development: works with no environment at all (SQLite, mail printed to the terminal)."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]  # noqa: F405
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# A newcomer can try the whole flow: typed HPR numbers count as verified (a banner says so).
LMS_TRUST_TYPED_HPR = DEBUG
# Demo staff accounts must enrol in two-factor authentication like real staff; with DEBUG on,
# the code 000000 is accepted in place of an authenticator app's (allauth refuses to start with
# it when DEBUG is off). A banner on every page says so.
# Security keys on http://localhost (browsers allow WebAuthn there; production is HTTPS).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
if DEBUG:
    MFA_TOTP_INSECURE_BYPASS_CODE = os.environ.get("DEV_MFA_CODE", "000000")
