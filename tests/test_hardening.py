"""Safe to run for real: rate limits behind a proxy, staff idle timeout, no third-party requests,
branded error pages, and a database that hangs answered with 503 within seconds."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings
from django.utils import translation
from django.views.defaults import server_error

from lms.middleware import LAST_SEEN
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


# Rate limits key on the real client behind the proxy -------------------------------------------


def _login(client, email, password, client_address):
    return client.post(
        "/en/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR="10.0.0.1",  # every request arrives from the load balancer
        HTTP_X_FORWARDED_FOR=client_address,
    )


@override_settings(
    ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip"},
    ALLAUTH_TRUSTED_PROXY_COUNT=1,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"}},
)
def test_one_client_guessing_passwords_behind_the_proxy_locks_out_only_itself(client, prescriber):
    from django.core.cache import cache

    cache.clear()
    for _ in range(4):
        refused = _login(client, "someone@example.com", "wrong-password", "203.0.113.5")
    assert "Too many failed attempts to log in" in refused.content.decode()

    other = _login(client, prescriber.email, factories.PASSWORD, "198.51.100.7")
    assert other.status_code == 302  # another client, through the same proxy, signs in


@override_settings(
    ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip"},
    ALLAUTH_TRUSTED_PROXY_COUNT=0,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl0"}},
)
def test_without_the_proxy_count_every_client_shares_the_proxys_limit(client, prescriber):
    """Why TRUSTED_PROXY_COUNT must be set behind a load balancer: the lock-out the issue found."""
    from django.core.cache import cache

    cache.clear()
    for _ in range(4):
        _login(client, "someone@example.com", "wrong-password", "203.0.113.5")
    other = _login(client, prescriber.email, factories.PASSWORD, "198.51.100.7")
    assert "Too many failed attempts to log in" in other.content.decode()


# Staff sessions end after inactivity -----------------------------------------------------------


def _idle(client, minutes):
    session = client.session
    session[LAST_SEEN] = time.time() - minutes * 60
    session.save()


@override_settings(STAFF_IDLE_TIMEOUT_MINUTES=30)
def test_staff_are_signed_out_after_thirty_idle_minutes(client):
    client.force_login(factories.MedicalAffairsFactory())
    assert client.get("/admin/").status_code == 200
    _idle(client, 29)
    assert client.get("/admin/").status_code == 200  # still within the limit

    _idle(client, 31)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@override_settings(STAFF_IDLE_TIMEOUT_MINUTES=30)
def test_the_editors_background_pings_do_not_keep_a_staff_session_alive(client):
    client.force_login(factories.MedicalAffairsFactory())
    _idle(client, 29)
    client.post("/admin/editing-sessions/release/1/")  # an editor left open in a tab
    _idle_since = time.time() - client.session[LAST_SEEN]
    assert _idle_since > 28 * 60  # not counted as activity

    _idle(client, 31)
    assert client.get("/admin/").status_code == 302


def test_signing_in_counts_as_activity(client):
    client.force_login(factories.ComplianceFactory())
    assert time.time() - client.session[LAST_SEEN] < 60


@override_settings(STAFF_IDLE_TIMEOUT_MINUTES=30)
def test_a_prescribers_session_is_not_cut_short(client, prescriber):
    client.force_login(prescriber)
    _idle(client, 120)
    assert client.get("/en/attestations/").status_code == 200
    assert "_auth_user_id" in client.session


# No third-party requests -------------------------------------------------------------------------


def test_the_admin_asks_no_third_party_for_avatars(client):
    client.force_login(factories.ComplianceFactory())
    body = client.get("/admin/").content.decode()
    assert "gravatar" not in body.lower()


# Branded, translated error pages -----------------------------------------------------------------


@pytest.mark.parametrize(("lang", "heading"), [("en", "Page not found"), ("nb", "Fant ikke siden")])
def test_a_missing_page_gets_the_sites_own_404_in_its_language(client, lang, heading):
    response = client.get(f"/{lang}/finnes-ikke/her/")
    body = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in body and heading in body and "lms/site.css" in body


def test_the_404_pages_language_links_stay_on_this_site(client):
    """A missing page at "//host/" must not offer links to that host."""
    body = client.get("/", PATH_INFO="//evil.example/en/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "evil.example" not in body
    assert 'href="/nb/"' in body


@pytest.mark.parametrize(("lang", "heading"), [("en", "Something went wrong"), ("nb", "Noe gikk galt")])
def test_the_500_page_needs_no_request_and_speaks_the_language(lang, heading):
    with translation.override(lang):
        response = server_error(RequestFactory().get(f"/{lang}/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert heading in body and "lms/site.css" in body


# A database that accepts connections but never answers -------------------------------------------


def test_healthz_answers_503_within_seconds_when_the_database_never_answers(tmp_path):
    """A TCP server that accepts and then says nothing: /healthz must give up (DB_CONNECT_TIMEOUT)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    port = listener.getsockname()[1]
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, json.loads(r.content)['database'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{port}/lms",
        "DB_CONNECT_TIMEOUT": "2",
    }
    # Without a connect timeout this would wait forever: subprocess.run's timeout then fails the test.
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=45
    )
    listener.close()

    assert accepted, "the fake database never saw the connection"
    assert result.stdout.split() == ["503", "unavailable"], result.stderr[-2000:]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_on_postgresql_every_statement_has_a_time_limit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"


# Production settings ------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "pR0d-only-" + "x7#Qz!9vL@2mK$4nB%8cJ^6hG&1fD*3s" * 2,
    "ALLOWED_HOSTS": "lms.example.no",
    "CSRF_TRUSTED_ORIGINS": "https://lms.example.no",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/lms",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PUBLIC_BASE_URL": "https://lms.example.no",
    "WAGTAILADMIN_BASE_URL": "https://lms.example.no",
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_HOST": "smtp.example.no",
    "DEFAULT_FROM_EMAIL": "no-reply@example.no",
    "ATTESTATION_SIGNING_PKCS12": "/etc/lms/attestation-signing.p12",
    "ATTESTATION_SIGNING_PASSPHRASE": "from-the-secret-store",
}


def production(*args, without=(), **overrides):
    """``manage.py *args`` under the production settings, with the environment above."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests; production never has it.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION_ENV and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({key: value for key, value in PRODUCTION_ENV.items() if key not in without})
    env.update(overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_check_without_a_warning():
    result = production("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("name", ["REDIS_URL", "TRUSTED_PROXY_COUNT", "CSRF_TRUSTED_ORIGINS", "EMAIL_HOST"])
def test_production_refuses_to_start_without_a_setting_and_names_it(name):
    result = production("check", without=[name])
    assert result.returncode != 0
    assert f"Set the {name} environment variable for production." in result.stderr


def test_production_keeps_database_connections_and_refuses_the_development_mfa_code():
    shown = production(
        "shell",
        "-c",
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.MFA_SUPPORTED_TYPES,"
        " getattr(s, 'MFA_TOTP_INSECURE_BYPASS_CODE', None))",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split("\n")[-2] == "60 True ['totp', 'recovery_codes', 'webauthn'] None"


def test_production_refuses_sqlite():
    result = production("check", DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert result.returncode != 0 and "must name a PostgreSQL database" in result.stderr


# Content-Security-Policy ------------------------------------------------------------------------


def _policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(
    "path", ["/nb/", "/en/verify/", "/nb/accounts/login/", "/en/help/", "/nb/finnes-ikke/"]
)
def test_learner_and_verification_pages_allow_no_inline_code_and_no_other_origin(client, path):
    policy = _policy(client.get(path))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]


def test_the_admin_allows_inline_code_but_no_other_origin(client):
    client.force_login(factories.MedicalAffairsFactory())
    policy = _policy(client.get("/admin/"))
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    allowed = {"'self'", "'unsafe-inline'", "'none'", "data:"}
    assert {source for sources in policy.values() for source in sources} <= allowed


def test_changing_the_password_signs_out_every_other_session(client, django_user_model):
    from django.test import Client

    user = factories.ComplianceFactory()
    elsewhere = Client()
    client.force_login(user)
    elsewhere.force_login(user)
    assert elsewhere.get("/admin/").status_code == 200

    response = factories.change_password(client, "a-new-long-pass-2026!")
    assert response.status_code == 302
    assert django_user_model.objects.get(pk=user.pk).check_password("a-new-long-pass-2026!")

    assert client.get("/admin/").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/admin/").status_code == 302  # every other one is signed out
