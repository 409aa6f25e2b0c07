"""Two-factor authentication (allauth MFA) for staff: Medical affairs, Compliance officers and
superusers must set up an authenticator app before the admin opens to them, and then give a code at
every sign-in; a code cannot be used twice, and the last authenticator cannot be removed."""

import io
import re

import pytest
from allauth.core import context as allauth_context
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse

from lms.models import User
from tests import factories

pytestmark = pytest.mark.django_db

ACTIVATE = "/en/accounts/2fa/totp/activate/"
AUTHENTICATE = "/en/accounts/2fa/authenticate/"
REAUTHENTICATE = "/en/accounts/reauthenticate/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # used codes are remembered in the cache (replay protection)
    yield
    cache.clear()


def sign_in(client, user):
    return client.post("/en/accounts/login/", {"login": user.email, "password": factories.PASSWORD})


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


@pytest.mark.parametrize(
    "make_staff",
    [
        lambda: factories.MedicalAffairsFactory(mfa=False),
        lambda: factories.ComplianceFactory(mfa=False),
        lambda: factories.StaffFactory(mfa=False, is_superuser=True),
    ],
    ids=["medical-affairs", "compliance-officer", "superuser"],
)
@pytest.mark.parametrize(
    "admin_url", ["/admin/", "/admin/pages/", "attestations:index", "audit_trail:index", "/documents/1/x.pdf"]
)
def test_staff_without_an_authenticator_are_sent_to_enrolment_from_every_admin_page(
    client, make_staff, admin_url
):
    staff = make_staff()
    client.force_login(staff)
    url = admin_url if admin_url.startswith("/") else reverse(admin_url)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE


def test_a_prescriber_is_not_sent_to_enrolment(client, prescriber):
    client.force_login(prescriber)
    assert client.get("/admin/", follow=True).status_code == 403  # the admin's 403 page, as before
    assert client.get("/en/").status_code == 200


def test_staff_with_an_authenticator_reach_the_admin(client):
    editor = factories.MedicalAffairsFactory()
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


def test_enrolment_opens_the_admin_and_leads_back_to_the_page_asked_for(client):
    editor = factories.MedicalAffairsFactory(mfa=False)
    assert sign_in(client, editor).status_code == 302  # no second factor yet: signed in
    assert client.get("/admin/pages/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == ACTIVATE

    # Changing security settings asks for the password again (allauth), then enrolment begins.
    assert client.get(ACTIVATE)["Location"].startswith(REAUTHENTICATE)
    assert client.post(REAUTHENTICATE, {"password": factories.PASSWORD}).status_code == 302
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    assert "two-factor authentication" in page.content.decode()  # why they are here
    secret = client.session["mfa.totp.secret"]
    wrong = client.post(ACTIVATE, {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=editor).exists()

    done = client.post(ACTIVATE, {"code": factories.totp_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists()
    codes = client.get(done["Location"])
    assert 'href="/admin/pages/"' in codes.content.decode()  # "Continue to the admin"
    assert client.get("/admin/pages/").status_code == 200


def test_sign_in_asks_an_enrolled_staff_member_for_a_code(client):
    officer = factories.ComplianceFactory()
    response = sign_in(client, officer)
    assert response["Location"] == AUTHENTICATE
    assert signed_in_as(client) is None

    page = client.get(AUTHENTICATE).content.decode()
    assert "or one of your recovery codes" in page  # the way in without the phone is named
    assert "Enter the code from your authenticator app" in page and "Sign In" not in page
    norwegian = client.get(AUTHENTICATE.replace("/en/", "/nb/")).content.decode()
    assert "Skriv inn koden fra autentiseringsappen" in norwegian
    assert "ennligst" not in norwegian and "Alternative valg" not in norwegian
    refused = client.post(AUTHENTICATE, {"code": "123456"})
    assert refused.status_code == 200
    assert "Incorrect code" in refused.content.decode()
    assert signed_in_as(client) is None

    accepted = client.post(AUTHENTICATE, {"code": factories.totp_code(officer.totp_secret)})
    assert accepted.status_code == 302
    assert signed_in_as(client) == officer.pk
    assert client.get(reverse("attestations:index")).status_code == 200


def test_a_code_cannot_be_used_twice(client):
    """Someone who read a code over the shoulder cannot sign in with it after its owner did."""
    officer = factories.ComplianceFactory()
    code = factories.totp_code(officer.totp_secret)
    sign_in(client, officer)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    client.logout()

    sign_in(client, officer)
    replayed = client.post(AUTHENTICATE, {"code": code})
    assert replayed.status_code == 200
    assert signed_in_as(client) is None


def test_a_recovery_code_signs_in_once(client):
    editor = factories.MedicalAffairsFactory()
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    recovery = RecoveryCodes.activate(editor)
    code = recovery.get_unused_codes()[0]

    sign_in(client, editor)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    assert signed_in_as(client) == editor.pk
    client.logout()

    sign_in(client, editor)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 200
    assert signed_in_as(client) is None


def test_staff_cannot_remove_their_last_authenticator(client):
    editor = factories.MedicalAffairsFactory()
    sign_in(client, editor)
    client.post(AUTHENTICATE, {"code": factories.totp_code(editor.totp_secret)})
    client.post(REAUTHENTICATE, {"password": factories.PASSWORD})

    response = client.post("/en/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "Your role requires two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists()


def test_a_prescriber_who_chose_an_authenticator_may_remove_it(client, prescriber):
    secret = factories.enrol_totp(prescriber)
    sign_in(client, prescriber)
    client.post(AUTHENTICATE, {"code": factories.totp_code(secret)})
    assert signed_in_as(client) == prescriber.pk
    client.post(REAUTHENTICATE, {"password": factories.PASSWORD})

    response = client.post("/en/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=User.objects.get(pk=prescriber.pk)).exists()


def test_staff_pages_link_to_two_factor_settings_in_both_languages(client, programme):
    editor = factories.MedicalAffairsFactory()
    client.force_login(editor)
    english = client.get("/en/").content.decode()
    assert re.search(r'href="/en/accounts/2fa/"[^>]*>Two-factor authentication<', english)
    norwegian = client.get("/nb/").content.decode()
    assert re.search(r'href="/nb/accounts/2fa/"[^>]*>Tofaktorautentisering<', norwegian)


def test_setting_up_and_resetting_two_factor_authentication_is_in_the_audit_trail(
    client, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from audit.models import AuditEvent

    editor = _ready_to_enrol(client)
    _activate(client, django_capture_on_commit_callbacks)  # allauth signals once committed
    added = AuditEvent.objects.filter(action="account.mfa_added", object_id=str(editor.pk))
    assert sorted(added.values_list("payload__type", flat=True)) == ["recovery_codes", "totp"]

    call_command("reset_two_factor", editor.email, reason="Lost phone, ticket 4711", stdout=io.StringIO())
    assert not Authenticator.objects.filter(user=editor).exists()
    cleared = AuditEvent.objects.get(action="account.mfa_cleared", object_id=str(editor.pk))
    assert cleared.payload["reason"] == "Lost phone, ticket 4711"
    assert "totp" in cleared.payload["types"]

    assert cleared.payload["sessions_ended"] == 1
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # that browser is signed out
    other = Client()
    other.force_login(User.objects.get(pk=editor.pk))
    assert other.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == ACTIVATE  # set it up again


def test_resetting_an_account_without_two_factor_authentication_says_so():
    from django.core.management import CommandError, call_command

    editor = factories.MedicalAffairsFactory(mfa=False)
    with pytest.raises(CommandError, match="no two-factor authentication"):
        call_command("reset_two_factor", editor.email, reason="test")


def test_the_admin_account_page_links_to_two_factor_settings(client):
    editor = factories.MedicalAffairsFactory()
    client.force_login(editor)
    page = client.get("/admin/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    link = r'href="/\w\w/accounts/2fa/"[^>]*>\s*(Two-factor authentication|Tofaktorautentisering)'
    assert re.search(link, page)


def test_the_admin_account_page_changes_no_password_or_address_but_links_to_the_account_pages(client):
    """A password or address changed on Wagtail's own form would skip e-mail verification and
    the owner's security notice: only allauth's pages change them."""
    editor = factories.MedicalAffairsFactory(email="editor.owner@example.com")
    client.force_login(editor)
    page = client.get("/admin/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="password-new_password1"' not in page
    assert 'name="name_email-email"' not in page
    assert re.search(r'href="/\w\w/accounts/password/change/"[^>]*>\s*Password<', page)
    assert re.search(r'href="/\w\w/accounts/email/"[^>]*>\s*E-mail addresses<', page)

    response = client.post(
        "/admin/account/",
        {
            "name_email-first_name": "Hurried",
            "name_email-last_name": "Editor",
            "name_email-email": "someone.else@example.net",
            "locale-preferred_language": "en",
            "locale-current_time_zone": "Europe/Oslo",
            "theme-theme": "system",
            "theme-contrast": "system",
            "theme-density": "default",
            "password-old_password": factories.PASSWORD,
            "password-new_password1": "a-new-long-pass-2026!",
            "password-new_password2": "a-new-long-pass-2026!",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    saved = User.objects.get(pk=editor.pk)
    assert saved.first_name == "Hurried"  # the name is still theirs to change here
    assert saved.email == "editor.owner@example.com"
    assert saved.check_password(factories.PASSWORD)


# -- the owner hears of every change to how the account is protected ------------------------------


def _ready_to_enrol(client):
    """A Medical affairs editor without a second factor, signed in and at the set-up page."""
    editor = factories.MedicalAffairsFactory(mfa=False)
    sign_in(client, editor)
    client.post(REAUTHENTICATE, {"password": factories.PASSWORD})
    client.get(ACTIVATE)
    return editor


def _activate(client, capture_on_commit):
    """Give the authenticator's code, and run what allauth leaves for the commit (``_commit_within``)."""
    with capture_on_commit() as callbacks:
        response = client.post(ACTIVATE, {"code": factories.totp_code(client.session["mfa.totp.secret"])})
    _commit_within(response, callbacks)
    return response


def _commit_within(response, callbacks):
    """Run what allauth left for the commit, as at the end of a request (ATOMIC_REQUESTS): while
    allauth still knows the request (the test client's capture runs them after it), and then what
    those leave for the commit in turn (the security notices)."""
    with (
        allauth_context.request_context(response.wsgi_request),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        for callback in callbacks:
            callback()


def test_turning_on_two_factor_authentication_is_announced_to_the_owner(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    editor = _ready_to_enrol(client)
    mailoutbox.clear()
    _activate(client, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert mailoutbox[0].subject == "Prescriber training: an authenticator app was set up"
    body = mailoutbox[0].body
    assert "Authenticator app activated." in body
    assert "A change was made to your account:" in body and "From IP address: 127.0.0.1" in body
    assert "https://lms.example.test/en/accounts/password/reset/" in body


def test_a_password_change_is_announced_in_the_owners_language(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    prescriber = factories.PrescriberFactory()
    client.force_login(prescriber)
    with django_capture_on_commit_callbacks(execute=True):
        response = factories.change_password(client, "et-nytt-langt-pass-2026", language="nb")
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[prescriber.email]]
    message = mailoutbox[0]
    assert message.subject == "Forskriveropplæring: passordet ditt er endret"
    assert "Passordet ditt er endret." in message.body
    assert (
        "Det ble gjort en endring på kontoen din:" in message.body
        and "Fra IP-adresse: 127.0.0.1" in message.body
    )
    assert "A change was made" not in message.body and "If you did not" not in message.body


def test_new_recovery_codes_are_announced(client, mailoutbox, django_capture_on_commit_callbacks):
    officer = factories.ComplianceFactory()
    client.force_login(officer)
    client.post(REAUTHENTICATE, {"password": factories.PASSWORD})
    mailoutbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/en/accounts/2fa/recovery-codes/generate/")
    _commit_within(response, callbacks)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "New recovery codes for two-factor authentication were made" in mailoutbox[0].body


@pytest.fixture
def mail_server_down(monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr(EmailMessage, "send", refuse)


@pytest.mark.usefixtures("mail_server_down")
def test_a_mail_server_that_fails_undoes_no_password_change(
    client, caplog, django_capture_on_commit_callbacks
):
    prescriber = factories.PrescriberFactory()
    client.force_login(prescriber)
    with django_capture_on_commit_callbacks(execute=True):
        response = factories.change_password(client, "a-new-long-pass-2026!")
    assert response.status_code == 302
    assert User.objects.get(pk=prescriber.pk).check_password("a-new-long-pass-2026!")
    assert "Could not send the security notice" in caplog.text


@pytest.mark.usefixtures("mail_server_down")
def test_a_mail_server_that_fails_loses_no_audit_event_of_a_new_authenticator(
    client, django_capture_on_commit_callbacks
):
    from audit.models import AuditEvent

    editor = _ready_to_enrol(client)
    assert _activate(client, django_capture_on_commit_callbacks).status_code == 302
    added = AuditEvent.objects.filter(action="account.mfa_added", object_id=str(editor.pk))
    assert sorted(added.values_list("payload__type", flat=True)) == ["recovery_codes", "totp"]
