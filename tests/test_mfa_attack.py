"""Staff two-factor authentication, attacked: someone who knows a staff member's password but not
their phone must not reach the admin, its documents or its APIs, by any path."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from lms import roles
from lms.models import User
from tests import factories
from tests.test_helseid import KARI, client_key, helseid  # noqa: F401 (fixtures)
from tests.test_helseid import sign_in as helseid_sign_in

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"
ACTIVATE = "/en/accounts/2fa/totp/activate/"
AUTHENTICATE = "/en/accounts/2fa/authenticate/"
REAUTHENTICATE = "/en/accounts/reauthenticate/"

# allauth's own defaults: what production runs with (tests switch rate limits off).
PRODUCTION_RATE_LIMITS = {}


def sign_in(client, user, **extra):
    return client.post(LOGIN, {"login": user.email, "password": factories.PASSWORD, **extra})


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


ADMIN_TARGETS = [
    ("get", "/admin/"),
    ("get", "/admin/pages/"),
    ("get", "/admin/api/main/pages/"),
    ("get", "/admin/choose-page/"),
    ("get", "/admin/documents/chooser/"),
    ("get", "/admin/account/"),
    ("get", "/admin/reports/audit/"),
    ("get", "/documents/1/x.pdf"),
    ("post", "/admin/pages/1/delete/"),
    ("head", "/admin/"),
    ("options", "/admin/"),
]


@pytest.mark.parametrize(("method", "url"), ADMIN_TARGETS)
def test_a_password_without_the_code_opens_nothing_in_the_admin(method, url):
    """Half-way through sign-in (password given, code not yet): the admin treats them as anonymous."""
    officer = factories.ComplianceFactory()
    client = Client()
    assert sign_in(client, officer)["Location"] == AUTHENTICATE
    response = getattr(client, method)(url)
    assert response.status_code in (302, 404, 405)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "url", ["/en/accounts/2fa/", "/en/accounts/email/", "/en/accounts/password/change/", REAUTHENTICATE]
)
def test_a_half_finished_sign_in_cannot_change_the_account(url):
    """Not the authenticator, the e-mail address or the password: all ask to sign in first."""
    officer = factories.ComplianceFactory()
    client = Client()
    sign_in(client, officer)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.post("/en/accounts/2fa/totp/deactivate/").status_code == 302
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()


def test_codes_are_rate_limited_per_account_with_production_limits(settings):
    """Guessing codes: five wrong ones in five minutes and even the right code is refused."""
    settings.ACCOUNT_RATE_LIMITS = PRODUCTION_RATE_LIMITS
    officer = factories.ComplianceFactory()
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    sign_in(attacker, officer)
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        assert attacker.post(AUTHENTICATE, {"code": guess}).status_code == 200
    right = attacker.post(AUTHENTICATE, {"code": factories.totp_code(officer.totp_secret)})
    assert right.status_code == 200
    assert "Too many failed attempts" in right.content.decode()
    assert signed_in_as(attacker) is None

    # A new sign-in from elsewhere does not start the count again: it is kept per account.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    sign_in(elsewhere, officer)
    refused = elsewhere.post(AUTHENTICATE, {"code": factories.totp_code(officer.totp_secret)})
    assert "Too many failed attempts" in refused.content.decode()
    assert signed_in_as(elsewhere) is None


def test_sign_in_after_the_code_gets_a_new_session_key():
    """Session fixation: a session key planted before sign-in is worthless afterwards."""
    editor = factories.MedicalAffairsFactory()
    client = Client()
    client.get(LOGIN)
    client.session.save()
    sign_in(client, editor)
    planted = client.session.session_key
    client.post(AUTHENTICATE, {"code": factories.totp_code(editor.totp_secret)})
    assert signed_in_as(client) == editor.pk
    assert client.session.session_key != planted


def test_the_code_leads_on_to_the_admin_page_asked_for():
    """Signed out after inactivity, back in with password and code: on to where they were."""
    editor = factories.MedicalAffairsFactory()
    client = Client()
    sign_in(client, editor, next="/admin/pages/?ordering=title")
    response = client.post(AUTHENTICATE, {"code": factories.totp_code(editor.totp_secret)})
    assert response["Location"] == "/admin/pages/?ordering=title"


@pytest.mark.parametrize("next_url", ["https://evil.example/admin/", "//evil.example/", "/\\evil.example/"])
def test_the_page_after_the_code_stays_on_this_site(next_url):
    editor = factories.MedicalAffairsFactory()
    client = Client()
    sign_in(client, editor, next=next_url)
    response = client.post(AUTHENTICATE, {"code": factories.totp_code(editor.totp_secret)})
    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith(("//", "/\\"))


SPELLINGS = [
    "/admin",
    "//admin/",
    "/ADMIN/",
    "/%61dmin/pages/",
    "/admin//pages/",
    "/en/admin/",
    "/nb/admin/pages/",
]


@pytest.mark.parametrize("url", SPELLINGS)
def test_no_spelling_of_the_admin_address_skips_enrolment(url):
    """A staff member who has not set up two-factor authentication never sees an admin page."""
    editor = factories.MedicalAffairsFactory(mfa=False)
    client = Client()
    client.force_login(editor)
    response = client.get(url, follow=True)
    assert response.status_code in (200, 404)
    assert not admin_templates(response)

    enrolled = Client()
    enrolled.force_login(factories.MedicalAffairsFactory())
    assert admin_templates(enrolled.get("/admin/pages/"))  # what an admin page looks like here


def admin_templates(response) -> list[str]:
    return [t.name for t in response.templates if t.name and t.name.startswith("wagtailadmin/")]


def test_an_application_mounted_under_a_prefix_still_sends_staff_to_enrolment():
    """Behind a proxy that mounts the site under /lms/ (SCRIPT_NAME), the admin is still guarded."""
    editor = factories.MedicalAffairsFactory(mfa=False)
    client = Client()
    client.force_login(editor)
    response = client.get("/admin/pages/", SCRIPT_NAME="/lms")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/2fa/totp/activate/")


def test_a_prescriber_made_staff_after_signing_in_is_sent_to_enrolment(prescriber):
    client = Client()
    sign_in(client, prescriber)
    assert signed_in_as(client) == prescriber.pk
    prescriber.groups.add(Group.objects.get(name=roles.MEDICAL_AFFAIRS))
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE


def test_a_superuser_from_createsuperuser_is_sent_to_enrolment(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", factories.PASSWORD)
    call_command("createsuperuser", "--noinput", email="root@example.org", verbosity=0)
    root = User.objects.get(email="root@example.org")
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)
    client = Client()
    assert sign_in(client, root).status_code == 302
    assert signed_in_as(client) == root.pk
    response = client.get("/admin/users/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == ACTIVATE


def test_confirming_the_e_mail_address_does_not_skip_the_code(django_capture_on_commit_callbacks):
    """Sign-in that stops to verify the e-mail address goes on to ask for the code afterwards."""
    editor = factories.MedicalAffairsFactory(verified=False)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(client, editor)
    assert response["Location"] == "/en/accounts/confirm-email/"  # "we sent you a link"
    key_url = next(line for m in mail.outbox for line in m.body.split() if "/confirm-email/" in line)
    path = key_url.split("lms.example.test", 1)[1]
    confirmed = client.post(path)
    assert signed_in_as(client) is None
    assert confirmed["Location"] == AUTHENTICATE


@pytest.mark.parametrize("url", ["/en/accounts/login/code/", "/en/accounts/2fa/webauthn/login/"])
def test_no_sign_in_without_a_password_and_a_code(url):
    """Sign-in by e-mailed code and passwordless passkey sign-in are off."""
    factories.MedicalAffairsFactory()
    client = Client()
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


def test_signing_in_with_helseid_still_asks_staff_for_the_code(helseid):  # noqa: F811
    """HelseID vouches for the person's HPR number; the admin's second factor is still asked for."""
    from allauth.socialaccount.models import SocialAccount

    editor = factories.MedicalAffairsFactory(hpr_number="12345678")
    SocialAccount.objects.create(user=editor, provider="helseid", uid=KARI["sub"], extra_data={})
    client = Client()
    response = helseid_sign_in(client, helseid)
    assert response.status_code == 302
    assert response["Location"] == AUTHENTICATE
    assert signed_in_as(client) is None
    assert client.get("/admin/pages/").status_code == 302

    client.post(AUTHENTICATE, {"code": factories.totp_code(editor.totp_secret)})
    assert signed_in_as(client) == editor.pk


def test_after_a_reset_a_session_already_open_is_ended():
    """``reset_two_factor`` (a lost phone, an authenticator someone else set up): a browser still
    signed in must not keep using the admin without a second factor; it is signed out."""
    import io

    from django.core.management import call_command

    editor = factories.MedicalAffairsFactory()
    client = Client()
    sign_in(client, editor)
    client.post(AUTHENTICATE, {"code": factories.totp_code(editor.totp_secret)})
    assert client.get("/admin/").status_code == 200

    call_command("reset_two_factor", editor.email, reason="Not set up by its owner", stdout=io.StringIO())
    response = client.get("/admin/pages/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")  # signed out
