"""Account pages and e-mails in the user's language, naming the service, on the public address."""

import re

import pytest
from django.conf import settings
from django.core import mail

from lms.models import User
from tests import factories

pytestmark = pytest.mark.django_db

SIGNUP = factories.SIGNUP_FORM


def field_errors(response) -> list[str]:
    return re.findall(r'<p class="error">(.*?)</p>', response.content.decode(), re.S)


def form_errors(response) -> list[str]:
    block = re.search(r'<div class="form-errors".*?</div>', response.content.decode(), re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(0)) if block else []


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("nb", "Passordet er for kort. Det må ha minst 8 tegn."),
        ("en", "This password is too short. It must contain at least 8 characters."),
    ],
)
def test_a_too_short_password_is_refused_in_the_users_language(client, lang, message):
    response = client.post(
        f"/{lang}/accounts/signup/", {**SIGNUP, "password1": "k0rT!", "password2": "k0rT!"}
    )

    assert response.status_code == 200
    assert message in field_errors(response)
    assert not User.objects.filter(email="ola@example.no").exists()


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("nb", "E-postadressen eller passordet er feil."),
        ("en", "The e-mail address or the password is not correct."),
    ],
)
def test_a_wrong_password_is_refused_in_the_users_language(client, lang, message):
    factories.PrescriberFactory(email="kari@example.no")

    response = client.post(
        f"/{lang}/accounts/login/", {"login": "kari@example.no", "password": "feil-passord"}
    )

    assert response.status_code == 200
    assert form_errors(response) == [message]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("lang", "subject", "phrase"),
    [
        ("nb", "Tilbakestill passordet ditt for Forskriveropplæring", "velge et nytt passord"),
        ("en", "Reset your password for Prescriber training", "choose a new password"),
    ],
)
def test_the_password_reset_email_is_in_the_users_language_with_a_public_link(client, lang, subject, phrase):
    factories.PrescriberFactory(email="kari@example.no")

    response = client.post(f"/{lang}/accounts/password/reset/", {"email": "kari@example.no"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == subject
    assert phrase in message.body
    assert f"{settings.PUBLIC_BASE_URL}/{lang}/accounts/password/reset/key/" in message.body
    assert "testserver" not in message.body


def test_the_confirmation_email_names_the_service_and_programmes_and_links_to_the_public_address(
    client, programme
):
    response = client.post("/en/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Confirm your e-mail address for Prescriber training"
    assert "Prescriber training" in message.body
    assert programme.title in message.body
    links = re.findall(r"https?://\S+", message.body)
    assert any(link.startswith(f"{settings.PUBLIC_BASE_URL}/en/accounts/confirm-email/") for link in links)
    assert all(link.startswith(settings.PUBLIC_BASE_URL) for link in links)
    for host in ("127.0.0.1", "localhost:8000", "testserver", "[Lemtrada LMS]"):
        assert host not in message.body
        assert host not in message.subject


def test_the_confirmation_link_in_the_email_confirms_the_address(client):
    client.post("/en/accounts/signup/", SIGNUP)
    link = re.search(r"https?://\S+/confirm-email/\S+", mail.outbox[0].body).group(0)
    path = link.removeprefix(settings.PUBLIC_BASE_URL)

    page = client.get(path)
    confirmed = client.post(path)

    assert "Confirm that ola@example.no is the e-mail address of Ola Nordmann." in page.content.decode()
    assert confirmed.status_code == 302
    assert User.objects.get(email="ola@example.no").emailaddress_set.get().verified


def test_an_expired_confirmation_link_says_how_to_get_a_new_one(client):
    response = client.get("/en/accounts/confirm-email/not-a-real-key/")

    body = response.content.decode()
    assert "This link does not work" in body
    assert "we send you a new link" in body


def test_signing_up_with_a_taken_address_emails_the_owner_without_telling_the_visitor(client):
    factories.PrescriberFactory(email="ola@example.no")

    response = client.post("/en/accounts/signup/", {**SIGNUP, "hpr_number": "5555555"})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "You already have an account with Prescriber training"
    assert f"{settings.PUBLIC_BASE_URL}/en/accounts/password/reset/" in message.body


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_logging_in_and_out_lands_on_the_home_page_in_the_same_language(client, lang):
    factories.PrescriberFactory(email="kari@example.no")

    logged_in = client.post(
        f"/{lang}/accounts/login/", {"login": "kari@example.no", "password": factories.PASSWORD}
    )
    logged_out = client.post(f"/{lang}/accounts/logout/")

    assert logged_in.url == f"/{lang}/"
    assert logged_out.url == f"/{lang}/"


@pytest.mark.parametrize(
    ("next_url", "reason"),
    [
        ("/en/testmed/", "Log in to read the course."),
        ("/en/quiz/testmed/", "Log in to take the quiz."),
        ("/en/attestations/", "Log in to see your attestations."),
        ("/en/treatment/testmed/", "Log in to record a treatment initiation."),
    ],
)
def test_the_login_page_says_why_it_was_shown(client, programme, next_url, reason):
    body = client.get(f"/en/accounts/login/?next={next_url}").content.decode()

    assert f'<p class="lead">{reason}</p>' in body


def test_opening_a_course_page_signed_out_leads_to_a_login_that_says_why(client, programme):
    response = client.get("/en/testmed/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/en/accounts/login/")
    assert '<p class="lead">Log in to read the course.</p>' in response.content.decode()


def test_the_login_page_has_one_forgot_password_link_and_no_reason_without_next(client):
    body = client.get("/en/accounts/login/").content.decode()

    assert body.count('href="/en/accounts/password/reset/"') == 1
    assert '<p class="lead">' not in body


@pytest.mark.parametrize(
    "path",
    [
        "/en/accounts/password/reset/",
        "/en/accounts/password/reset/done/",
        "/en/accounts/password/reset/key/1-bad-key/",
        "/en/accounts/password/reset/key/done/",
        "/en/accounts/confirm-email/",
        "/en/accounts/confirm-email/bad-key/",
        "/en/accounts/inactive/",
    ],
)
def test_account_pages_use_the_site_layout(client, path):
    response = client.get(path, follow=True)

    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert 'class="site-header"' in body
    assert 'class="narrow card"' in body
    assert "Menu:" not in body  # allauth's unstyled layout


def test_the_logout_and_password_change_pages_use_the_site_layout(client, prescriber):
    client.force_login(prescriber)
    for path in ("/en/accounts/logout/", "/en/accounts/password/change/"):
        body = client.get(path).content.decode()
        assert 'class="narrow card"' in body, path
        assert "Menu:" not in body, path


def test_the_e_mail_addresses_page_lists_each_address_with_its_state_in_bokmal(client, prescriber):
    client.force_login(prescriber)
    page = client.get("/nb/accounts/email/").content.decode()
    assert "<h1>E-postadresser</h1>" in page
    assert f'<span class="email-address">{prescriber.email}</span>' in page
    assert "Bekreftet" in page and "Hovedadresse" in page
    assert "Email Addresses" not in page and "verifisert" not in page.lower()


def test_an_added_address_is_listed_unconfirmed_until_confirmed_and_can_be_removed(client, prescriber):
    from allauth.account.models import EmailAddress

    client.force_login(prescriber)
    mail.outbox.clear()
    added = client.post("/en/accounts/email/", {"action_add": "", "email": "kari.jobb@example.no"})
    assert added.status_code == 302
    address = EmailAddress.objects.get(user=prescriber, email="kari.jobb@example.no")
    assert not address.verified and not address.primary
    assert [message.to for message in mail.outbox] == [["kari.jobb@example.no"]]
    page = client.get("/en/accounts/email/").content.decode()
    row = page[page.index("kari.jobb@example.no") :]
    assert row.index("Not confirmed") < row.index("</label>")

    removed = client.post("/en/accounts/email/", {"action_remove": "", "email": "kari.jobb@example.no"})
    assert removed.status_code == 302
    assert not EmailAddress.objects.filter(email="kari.jobb@example.no").exists()
    assert User.objects.get(pk=prescriber.pk).email == prescriber.email
