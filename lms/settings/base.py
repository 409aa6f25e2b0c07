"""Settings shared by every environment. Secrets and hosts come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "lms",
    "courses",
    "quizzes",
    "certificates",
    "content",
    "audit",
    "compliance",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "wagtail.contrib.settings",
    "wagtail_localize",
    "wagtail.contrib.typed_table_block",
    "wagtail_localize.locales",  # wagtail-localize's replacement for wagtail.locales
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "lms.helseid",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.csp.SiteCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lms.middleware.StaffIdleTimeoutMiddleware",
    "lms.middleware.StaffMFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: the web server and the task worker write to one file. Writers take
    # the lock when their transaction starts and wait for it, instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that accepts connections but never answers must not hang a request (or /healthz):
    # give up connecting after DB_CONNECT_TIMEOUT seconds and on any statement after
    # DB_STATEMENT_TIMEOUT_MS milliseconds.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
            "options": f"-c statement_timeout={int(os.environ.get('DB_STATEMENT_TIMEOUT_MS', '30000'))}",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: each process's own memory, unless REDIS_URL names a Redis server that every app
# process shares (production requires it; benchmarks/cluster_pg_redis.py runs two instances on one).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's rule with a message our catalogue translates (see lms/password_validation.py).
    {"NAME": "lms.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Norwegian bokmål first, English second.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
# wagtail-localize: a "Translate" never publishes (courses.translation routes every write to a draft
# that goes through Medical review).
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False
# When a translated object (or an option of a question) is deleted, its translations are disabled,
# not their history erased (wagtail-localize's default deletes the translation memory, through
# queries that PostgreSQL runs very slowly on large tables).
WAGTAILLOCALIZE_DISABLE_ON_DELETE = True
LOCALE_PATHS = [PROJECT_DIR / "locale"]
FORMAT_MODULE_PATH = ["lms.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

# Accounts (django-allauth): e-mail only, verified before anything opens.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.PrescriberSignupForm"
ACCOUNT_ADAPTER = "lms.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""  # our subjects name the service, in the reader's language
# Tell the account's owner of every change to its password, e-mail addresses and second factors
# (allauth's security notifications; lms/templates/account/email/base_notification.txt).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Sign in with HelseID (OpenID Connect; lms/helseid). Off unless HELSEID_CLIENT_ID is set.
HELSEID_CLIENT_ID = os.environ.get("HELSEID_CLIENT_ID", "").strip()
HELSEID_ENABLED = bool(HELSEID_CLIENT_ID)
HELSEID_SERVER_URL = os.environ.get("HELSEID_SERVER_URL", "https://helseid-sts.nhn.no").rstrip("/")
HELSEID_PRIVATE_KEY_PATH = os.environ.get("HELSEID_PRIVATE_KEY_PATH", "")
HELSEID_KEY_ID = os.environ.get("HELSEID_KEY_ID", "")
HELSEID_SCOPES = os.environ.get("HELSEID_SCOPES", "").split()
SOCIALACCOUNT_PROVIDERS = {
    "helseid": {
        # From settings, so no database row is needed; none at all while HelseID is off.
        "APPS": [
            {
                "name": "HelseID",
                "client_id": HELSEID_CLIENT_ID,
                "settings": {
                    "server_url": HELSEID_SERVER_URL,
                    "private_key_path": HELSEID_PRIVATE_KEY_PATH,
                    "key_id": HELSEID_KEY_ID,
                    "extra_scopes": HELSEID_SCOPES,
                },
            }
        ]
        if HELSEID_ENABLED
        else [],
    }
}
SOCIALACCOUNT_ADAPTER = "lms.helseid.adapter.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "lms.helseid.forms.HelseIDSignupForm"}
# HelseID gives no e-mail address: the sign-up form asks for one, and it is verified as usual.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@lms.example.com")

# Wagtail
WAGTAIL_SITE_NAME = "Lemtrada LMS"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "admin_login"  # lms.views.admin_login: to allauth, or a 403 page
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
# One place to change a password or an e-mail address, and one password reset: allauth's
# (rate-limited, e-mail verification, security notices to the owner, other sessions ended).
# Wagtail's account page links there instead (lms.wagtail_hooks).
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_FINISH_WORKFLOW_ACTION = "courses.workflows.publish_approved"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Identity: typed HPR numbers count as verified only in development (lms.settings.dev).
LMS_TRUST_TYPED_HPR = False

# Background work (django-tasks on the database; `manage.py db_worker` runs it).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Where people reach the site: links in e-mails and the verification URL in the QR code.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")

# The key that signs attestations, their PDF (PAdES) and QR code (COSE): certificates/signing.py.
# A PKCS#12 file and its passphrase, or a PEM key and certificate chain; outside production,
# the development key that `manage.py create_signing_key` makes under ATTESTATION_SIGNING_DIR.
ATTESTATION_SIGNING_PKCS12 = os.environ.get("ATTESTATION_SIGNING_PKCS12", "")
ATTESTATION_SIGNING_KEY = os.environ.get("ATTESTATION_SIGNING_KEY", "")
ATTESTATION_SIGNING_CERT = os.environ.get("ATTESTATION_SIGNING_CERT", "")
ATTESTATION_SIGNING_PASSPHRASE = os.environ.get("ATTESTATION_SIGNING_PASSPHRASE", "")
ATTESTATION_SIGNING_DIR = Path(os.environ.get("ATTESTATION_SIGNING_DIR", BASE_DIR / "var" / "signing"))
# Outside production, a missing development key is made on first use (as create_signing_key would).
ATTESTATION_SIGNING_DEV_KEY = True
# A timestamp service (RFC 3161) makes the PDF signature PAdES B-T instead of B-B.
ATTESTATION_TSA_URL = os.environ.get("ATTESTATION_TSA_URL", "")

# Behind reverse proxies (a load balancer, nginx): how many of them append to X-Forwarded-For.
# allauth's rate limits then key on the real client address, not the proxy's (which would lock
# every user out at once). 0 = no proxy: the connecting address is the client's.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
RATELIMIT_IP_META_KEY = "lms.adapters.client_ip"  # the same address for django-ratelimit

# Content-Security-Policy (django-csp, lms/csp.py): the site's own origin only, no inline code
# outside the Wagtail admin. No form-action: signing in with HelseID redirects a form to it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Staff (Medical affairs, Compliance officers, superusers) are signed out after this many minutes
# without a request (lms.middleware).
STAFF_IDLE_TIMEOUT_MINUTES = int(os.environ.get("STAFF_IDLE_TIMEOUT_MINUTES", "30"))

# Two-factor authentication (allauth MFA): an authenticator app (TOTP) with recovery codes, and
# security keys or passkeys (WebAuthn) beside them. Staff (Medical affairs, Compliance officers,
# superusers) must enrol before any page but their account pages opens to them
# (lms.middleware.StaffMFARequiredMiddleware);
# prescribers may. A used code is remembered in the cache for its 30 s period (replay
# protection): in production the shared Redis.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_ADAPTER = "lms.adapters.MFAAdapter"
MFA_FORMS = {"authenticate": "lms.forms.TwoFactorCodeForm"}
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Prescriber training")

# No third-party requests from any page: no Gravatar avatars in the admin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Public verification (page and form): look-ups per client address.
VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30/m")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Django's own loggers print requests and INFO messages in development; the root
    # handler adds what the project logs at WARNING and above, without repeating them.
    "handlers": {"console": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
