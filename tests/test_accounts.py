"""Sign-up, e-mail verification and login, in Norwegian and English."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from lms import roles
from lms.models import User
from tests import factories

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Ola  Nordmann",
    "email": "ola@example.no",
    "profession": "physician",
    "profession_other": "",
    "hpr_number": "9876543",
    "workplace": "St. Olavs hospital",
    "password1": "Sikkert-passord-2026",
    "password2": "Sikkert-passord-2026",
}


def signup(client, lang="nb", **changes):
    return client.post(f"/{lang}/accounts/signup/", {**VALID, **changes})


def test_signup_creates_unverified_prescriber_and_sends_verification_mail(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="ola@example.no")
    assert user.full_name == "Ola Nordmann"
    assert user.hpr_number == "9876543"
    assert user.workplace == "St. Olavs hospital"
    assert user.groups.filter(name=roles.PRESCRIBER).exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "/nb/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("lang", "message"),
    # The Norwegian wording is the translators'; the page must show an error either way.
    [("nb", None), ("en", "The HPR number must be 7 to 9 digits, with no letters or other characters.")],
)
@pytest.mark.parametrize("bad_hpr", ["12345", "1234567890", "12a4567", "12-34567", "９８７６５４３"])
def test_malformed_hpr_is_refused_in_the_users_language_and_keeps_the_input(client, lang, message, bad_hpr):
    response = signup(client, lang=lang, hpr_number=bad_hpr)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_hpr_number-error"' in body
    if message:
        assert message in body
    assert 'aria-describedby="id_hpr_number-help id_hpr_number-error"' in body
    assert 'value="St. Olavs hospital"' in body
    assert 'value="ola@example.no"' in body
    assert not User.objects.filter(email="ola@example.no").exists()


@pytest.mark.parametrize(
    ("hpr", "stored"), [("123 4567", "1234567"), ("01234567", "1234567"), (" 98 76 543 ", "9876543")]
)
def test_hpr_typed_with_spaces_or_leading_zeros_is_stored_in_its_one_form(client, hpr, stored):
    response = signup(client, lang="en", hpr_number=hpr)
    assert response.status_code == 302
    assert User.objects.get(email="ola@example.no").hpr_number == stored


def test_an_all_zero_hpr_number_is_refused(client):
    response = signup(client, lang="en", hpr_number="0000000")
    assert response.status_code == 200
    assert "0 is not an HPR number." in response.content.decode()
    assert not User.objects.filter(email="ola@example.no").exists()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_mismatched_passwords_are_refused(client, lang):
    response = signup(client, lang=lang, password2="Noe-helt-annet-2026")
    assert response.status_code == 200
    assert re.search(r'class="error"', response.content.decode())
    assert not User.objects.filter(email="ola@example.no").exists()


def test_other_profession_needs_a_description(client):
    response = signup(client, lang="en", profession="other", profession_other="")
    assert response.status_code == 200
    assert "Please tell us your profession." in response.content.decode()
    response = signup(client, lang="en", profession="other", profession_other="Spesialsykepleier")
    assert response.status_code == 302
    assert User.objects.get(email="ola@example.no").profession_display == "Spesialsykepleier"


def test_signup_page_lang_attribute_follows_the_url(client):
    assert '<html lang="nb">' in client.get("/nb/accounts/signup/").content.decode()
    assert '<html lang="en">' in client.get("/en/accounts/signup/").content.decode()


def test_unverified_user_cannot_log_in_or_open_a_course(client, programme):
    signup(client)
    client.logout()
    response = client.post("/nb/accounts/login/", {"login": "ola@example.no", "password": VALID["password1"]})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    response = client.get(programme.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_following_the_verification_link_logs_in_and_opens_the_course(client, programme):
    signup(client)
    link = re.search(r"https?://[^\s]+/confirm-email/[^\s]+", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1]
    response = client.post(path)
    assert response.status_code == 302
    assert client.get(programme.url).status_code == 200


def _confirmation_path(mail_body: str, lang: str) -> str:
    key = re.search(r"/confirm-email/([^/\s]+)/", mail_body).group(1)
    return f"/{lang}/accounts/confirm-email/{key}/"


@pytest.mark.parametrize(("lang", "browser"), [("nb", "en"), ("en", "nb")])
def test_confirming_the_address_after_signing_up_stays_in_the_pages_language(
    client, programme, lang, browser
):
    """The confirmation signs the new prescriber in; they land on the home page in the language
    they confirmed in, not on a bare "/" that the browser's language would send elsewhere."""
    signup(client, lang)
    response = client.post(
        _confirmation_path(mail.outbox[0].body, lang), headers={"accept-language": browser}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/"
    assert EmailAddress.objects.get(email=VALID["email"]).verified
    home = client.get(response["Location"], headers={"accept-language": browser})
    assert home.status_code == 200
    assert f'<html lang="{lang}">' in home.content.decode()
    assert home.context["user"].email == VALID["email"]  # signed in by the confirmation


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_confirming_the_address_while_signed_in_stays_in_the_pages_language(client, lang):
    signup(client, lang)
    client.logout()
    client.force_login(User.objects.get(email=VALID["email"]))
    other = "en" if lang == "nb" else "nb"
    response = client.post(_confirmation_path(mail.outbox[0].body, lang), headers={"accept-language": other})

    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/"
    assert EmailAddress.objects.get(email=VALID["email"]).verified


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_confirming_the_address_in_another_browser_leads_to_login_in_the_pages_language(client, lang):
    """Not signed in and not the browser that signed up: confirmed, then asked to log in."""
    signup(client, lang)
    client.logout()
    other = "en" if lang == "nb" else "nb"
    response = client.post(_confirmation_path(mail.outbox[0].body, lang), headers={"accept-language": other})

    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/accounts/login/"
    assert EmailAddress.objects.get(email=VALID["email"]).verified


def test_logged_in_user_without_a_verified_address_is_sent_to_verify(client, programme):
    user = factories.PrescriberFactory(verified=False)
    client.force_login(user)
    response = client.get(programme.url)
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("nb", "E-postadressen eller passordet er feil."),
        ("en", "The e-mail address or the password is not correct."),
    ],
)
def test_login_with_unknown_email_says_so_and_keeps_the_address(client, lang, message):
    response = client.post(
        f"/{lang}/accounts/login/", {"login": "nobody@example.org", "password": "whatever-123"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="nobody@example.org"' in body


def test_password_reset_page_accepts_an_address_and_does_not_crash(client):
    response = client.post("/en/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    response = client.post("/en/accounts/password/reset/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_garbage_in_every_signup_field_never_gives_a_server_error(client):
    for value in ["", " ", "\x00", "<script>alert(1)</script>", "9" * 500, "ø" * 300]:
        data = {key: value for key in VALID}
        response = client.post("/nb/accounts/signup/", data)
        assert response.status_code == 200
    assert User.objects.count() == 0


def test_logout_ends_the_session(client, programme):
    user = factories.PrescriberFactory()
    client.force_login(user)
    assert client.get(programme.url).status_code == 200
    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302
    assert client.get(programme.url).status_code == 302


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_allauth_pages_carry_the_page_language(client, lang):
    for path in ("accounts/password/reset/", "accounts/login/", "accounts/confirm-email/"):
        body = client.get(f"/{lang}/{path}").content.decode()
        assert f'<html lang="{lang}">' in body, path


def test_the_database_refuses_a_malformed_hpr_number():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="x@example.org", hpr_number="９８７６５４３")
