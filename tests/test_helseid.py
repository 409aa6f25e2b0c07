"""Sign in with HelseID against a local OpenID provider (tests/fake_helseid.py) over real HTTP."""

import json
import re
import time
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.sessions.models import Session
from django.core import mail

from lms import roles
from lms.models import User
from tests import factories
from tests.fake_helseid import FakeHelseID

CLIENT_ID = "lms-test-client"
PID = "01017012345"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
KARI = {
    "sub": "pseudonym-kari",
    "name": "Kari Nordmann",
    "given_name": "Kari",
    "family_name": "Nordmann",
    "hpr_number": "0 12345678",  # as HelseID might send it: canonical form is 12345678
    "pid": PID,
}
LOGIN_URL = "/en/accounts/helseid/login/"

pytestmark = pytest.mark.django_db


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_file(path, key):
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


@pytest.fixture(scope="module")
def client_key():
    return _rsa_key()


def _configure(settings, provider, key_path):
    settings.HELSEID_ENABLED = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "helseid": {
            "APPS": [
                {
                    "name": "HelseID",
                    "client_id": CLIENT_ID,
                    "settings": {
                        "server_url": provider.issuer,
                        "private_key_path": key_path,
                        "key_id": "lms-client-key",
                        "extra_scopes": [],
                    },
                }
            ]
        }
    }


@pytest.fixture
def helseid(settings, client_key, tmp_path):
    provider = FakeHelseID(client_id=CLIENT_ID, client_public_key=client_key.public_key()).start()
    _configure(settings, provider, _pem_file(tmp_path / "client.pem", client_key))
    yield provider
    provider.stop()


@pytest.fixture
def helseid_without_par(settings, client_key, tmp_path):
    provider = FakeHelseID(
        client_id=CLIENT_ID, client_public_key=client_key.public_key(), use_par=False
    ).start()
    _configure(settings, provider, _pem_file(tmp_path / "client.pem", client_key))
    yield provider
    provider.stop()


def sign_in(client, provider, *, user=KARI, process="login"):
    """Press "Sign in with HelseID", sign in at the provider, come back: the callback response."""
    response = client.post(LOGIN_URL, {"process": process})
    assert response.status_code == 302, response.content[:500]
    callback = urlsplit(provider.authorize(response["Location"], user=user))
    return client.get(f"{callback.path}?{callback.query}")


def complete_signup(client, email="kari@example.org"):
    return client.post(
        "/en/accounts/3rdparty/signup/",
        {"email": email, "profession": "physician", "workplace": "Oslo universitetssykehus"},
    )


def confirm_email(client):
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    return client.post(f"/en/accounts/confirm-email/{key}/")


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_new_prescriber_signs_up_with_helseid_and_the_hpr_number_is_verified(client, helseid):
    response = sign_in(client, helseid)
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/3rdparty/signup/"

    form = client.get("/en/accounts/3rdparty/signup/")
    assert form.status_code == 200
    assert 'name="hpr_number"' not in form.content.decode()
    assert 'name="full_name"' not in form.content.decode()
    assert "HPR number 12345678" in form.content.decode()
    assert 'name="email"' in form.content.decode()

    response = complete_signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="kari@example.org")
    assert user.hpr_number == "12345678"
    assert user.full_name == "Kari Nordmann"
    assert user.workplace == "Oslo universitetssykehus"
    assert user.hpr_verified_at is not None
    assert user.hpr_verification_method == User.HprVerification.HELSEID
    assert list(user.groups.values_list("name", flat=True)) == [roles.PRESCRIBER]
    assert SocialAccount.objects.get(user=user).uid == "pseudonym-kari"
    # The e-mail address typed is confirmed as for any sign-up before the account opens.
    assert not EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(client) is None

    confirm_email(client)
    assert EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(client) == str(user.pk)

    # What HelseID asked of the client happened: PAR, PKCE S256, a nonce, the HPR scope.
    sent = helseid.last_request
    assert sent["code_challenge_method"] == "S256"
    assert sent["nonce"]
    assert "helseid://scopes/hpr/hpr_number" in sent["scope"].split()
    assert helseid.rejections == []


def test_returning_helseid_user_is_signed_in_at_once(client, helseid):
    sign_in(client, helseid)
    complete_signup(client)
    confirm_email(client)
    user = User.objects.get(email="kari@example.org")
    client.logout()

    response = sign_in(client, helseid)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)
    assert User.objects.count() == 1


def test_sign_in_works_without_pushed_authorization_requests(client, helseid_without_par):
    response = sign_in(client, helseid_without_par)
    assert response["Location"] == "/en/accounts/3rdparty/signup/"
    assert helseid_without_par.last_request["code_challenge_method"] == "S256"
    assert helseid_without_par.rejections == []


def test_verified_prescriber_signing_in_verifies_unverified_number(client, helseid):
    prescriber = factories.PrescriberFactory(hpr_number="12345678", hpr_verified_at=None)
    # Connected earlier (e.g. before a Compliance officer unverified it): a sign-in verifies it.
    SocialAccount.objects.create(user=prescriber, provider="helseid", uid=KARI["sub"], extra_data={})
    response = sign_in(client, helseid)
    assert response.status_code == 302
    prescriber.refresh_from_db()
    assert prescriber.hpr_verification_method == User.HprVerification.HELSEID
    assert signed_in_user_id(client) == str(prescriber.pk)


def _assert_refused_cleanly(client, response, users_before):
    assert response.status_code in (401, 403)
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert signed_in_user_id(client) is None
    assert "socialaccount_sociallogin" not in client.session


def test_id_token_for_another_audience_is_refused(client, helseid):
    helseid.id_token_overrides = {"aud": "some-other-client"}
    response = sign_in(client, helseid)
    _assert_refused_cleanly(client, response, 0)
    assert "Sign-in failed" in response.content.decode()


def test_expired_id_token_is_refused(client, helseid):
    now = int(time.time())
    helseid.id_token_overrides = {"iat": now - 900, "nbf": now - 900, "exp": now - 300}
    response = sign_in(client, helseid)
    _assert_refused_cleanly(client, response, 0)
    assert "Sign-in failed" in response.content.decode()


def test_id_token_not_signed_by_the_provider_is_refused(client, helseid):
    helseid.sign_with = _rsa_key()
    response = sign_in(client, helseid)
    _assert_refused_cleanly(client, response, 0)


def test_id_token_with_another_nonce_is_refused(client, helseid):
    helseid.id_token_overrides = {"nonce": "replayed-from-another-sign-in"}
    response = sign_in(client, helseid)
    _assert_refused_cleanly(client, response, 0)


def test_sign_in_without_hpr_number_is_refused_with_the_reason(client, helseid):
    helseid.omit_claims = {HPR_CLAIM}
    response = sign_in(client, helseid)
    _assert_refused_cleanly(client, response, 0)
    assert response.status_code == 403
    page = response.content.decode()
    assert "HelseID did not give us an HPR number for you" in page
    assert 'href="/en/help/"' in page


def test_bad_client_assertion_is_rejected_by_the_provider_at_the_token_endpoint(
    client, helseid_without_par, settings, tmp_path
):
    settings.SOCIALACCOUNT_PROVIDERS["helseid"]["APPS"][0]["settings"]["private_key_path"] = _pem_file(
        tmp_path / "wrong.pem", _rsa_key()
    )
    response = sign_in(client, helseid_without_par)
    _assert_refused_cleanly(client, response, 0)
    assert "Sign-in failed" in response.content.decode()
    assert any("client assertion rejected" in r for r in helseid_without_par.rejections)


def test_bad_client_assertion_is_rejected_by_the_provider_at_the_par_endpoint(
    client, helseid, settings, tmp_path
):
    settings.SOCIALACCOUNT_PROVIDERS["helseid"]["APPS"][0]["settings"]["private_key_path"] = _pem_file(
        tmp_path / "wrong.pem", _rsa_key()
    )
    response = client.post(LOGIN_URL, {"process": "login"})
    assert response.status_code == 401
    assert "Sign-in failed" in response.content.decode()
    assert any("client assertion rejected" in r for r in helseid.rejections)
    assert not User.objects.exists()


def test_wrong_pkce_verifier_is_rejected_by_the_provider(client, helseid):
    response = client.post(LOGIN_URL, {"process": "login"})
    # The provider holds another challenge than the one our verifier answers.
    request_uri = urlsplit(response["Location"]).query.split("request_uri=")[1]
    pushed = next(iter(helseid.pushed.values()))
    pushed["code_challenge"] = "A" * 43
    assert request_uri
    callback = urlsplit(helseid.authorize(response["Location"], user=KARI))
    response = client.get(f"{callback.path}?{callback.query}")
    _assert_refused_cleanly(client, response, 0)
    assert "PKCE verifier does not match the challenge" in helseid.rejections


def test_national_identity_number_is_never_stored(client, helseid):
    sign_in(client, helseid)
    # Pending sign-up (kept in the session) holds no national identity number.
    assert PID not in json.dumps(dict(client.session))
    complete_signup(client)
    confirm_email(client)

    account = SocialAccount.objects.get()
    assert "helseid://claims/identity/pid" not in account.extra_data["id_token"]
    assert PID not in json.dumps(account.extra_data)
    assert account.extra_data["id_token"][HPR_CLAIM] == KARI["hpr_number"]
    assert not SocialToken.objects.exists()
    for session in Session.objects.all():
        assert PID not in json.dumps(session.get_decoded())


def test_helseid_number_confirmed_for_a_password_account_does_not_take_it_over(client, helseid):
    owner = factories.PrescriberFactory(hpr_number="12345678")  # confirmed by Compliance
    response = sign_in(client, helseid)
    assert response.status_code == 403
    assert "An account with your HPR number already exists" in response.content.decode()
    owner.refresh_from_db()
    assert owner.hpr_verification_method == User.HprVerification.COMPLIANCE
    assert not SocialAccount.objects.exists()
    assert signed_in_user_id(client) is None


def test_a_number_only_typed_by_someone_else_does_not_stop_its_holder(client, helseid):
    squatter = factories.PrescriberFactory(hpr_number="12345678", hpr_verified_at=None, email="x@example.org")
    sign_in(client, helseid)
    assert complete_signup(client).status_code == 302
    holder = User.objects.get(email="kari@example.org")
    assert holder.hpr_number == "12345678"
    assert holder.hpr_verification_method == User.HprVerification.HELSEID
    squatter.refresh_from_db()
    assert squatter.hpr_verified_at is None  # not taken over, and never confirmable now
    assert SocialAccount.objects.get().user == holder


def test_signed_in_prescriber_connects_helseid_and_is_verified(client, helseid):
    prescriber = factories.PrescriberFactory(hpr_number="12345678", hpr_verified_at=None)
    client.force_login(prescriber)
    response = sign_in(client, helseid, process="connect")
    assert response.status_code == 302
    prescriber.refresh_from_db()
    assert prescriber.hpr_verification_method == User.HprVerification.HELSEID
    assert prescriber.hpr_verified_at is not None
    assert SocialAccount.objects.get().user == prescriber


def test_connecting_helseid_with_another_hpr_number_is_refused_and_changes_nothing(client, helseid):
    prescriber = factories.PrescriberFactory(hpr_number="7654321", hpr_verified_at=None)
    client.force_login(prescriber)
    response = sign_in(client, helseid, process="connect")
    assert response.status_code == 403
    page = response.content.decode()
    assert "is not the one registered on your account" in page
    assert 'href="/en/help/"' in page
    prescriber.refresh_from_db()
    assert prescriber.hpr_number == "7654321"
    assert prescriber.hpr_verified_at is None
    assert not SocialAccount.objects.exists()


def test_connecting_helseid_whose_number_belongs_to_another_account_is_refused(client, helseid):
    factories.PrescriberFactory(hpr_number="12345678")
    staff = factories.UserFactory(hpr_number=None)
    client.force_login(staff)
    response = sign_in(client, helseid, process="connect")
    assert response.status_code == 403
    assert "registered on another account here" in response.content.decode()
    staff.refresh_from_db()
    assert staff.hpr_number is None
    assert not SocialAccount.objects.exists()


def test_helseid_button_shows_only_when_configured(client, settings, helseid):
    assert "Sign in with HelseID" in client.get("/en/accounts/login/").content.decode()
    assert "Sign in with HelseID" in client.get("/en/accounts/signup/").content.decode()

    settings.HELSEID_ENABLED = False
    settings.SOCIALACCOUNT_PROVIDERS = {"helseid": {"APPS": []}}
    assert "HelseID" not in client.get("/en/accounts/login/").content.decode()
    assert "HelseID" not in client.get("/en/accounts/signup/").content.decode()
    assert client.post(LOGIN_URL, {"process": "login"}).status_code == 404


def test_a_name_from_helseid_loses_control_and_text_direction_characters():
    from lms.helseid.claims import full_name_from

    sent = {"id_token": {"name": "Kari\u202e nnamdroN\u0007 \u2066Nordmann\u2069"}}
    assert full_name_from(sent) == "Kari nnamdroN Nordmann"
    parts = {"id_token": {"given_name": "Ola\u200f", "family_name": "Nordmann\x00"}}
    assert full_name_from(parts) == "Ola Nordmann"
