"""A staff member adds a security key (WebAuthn) beside the authenticator app and signs in with it,
in chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain)."""

import pytest
from allauth.mfa.models import Authenticator

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_add_a_security_key_and_sign_in_with_it(in_browser, axe_check, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is http://localhost
    editor = factories.MedicalAffairsFactory()

    def sign_in(page):
        page.goto("/en/accounts/login/")
        page.locator("#id_login").fill(editor.email)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url("**/accounts/2fa/authenticate/")

    def journey(page):
        devtools = page.context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        sign_in(page)
        page.locator("#id_code").fill(factories.fresh_totp_code(editor.totp_secret))
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/" not in url)

        page.goto("/en/accounts/2fa/webauthn/add/")
        if "/reauthenticate/" in page.url:
            page.locator("#id_password").fill(factories.PASSWORD)
            page.locator("form button[type=submit]").first.click()
            page.wait_for_url("**/2fa/webauthn/add/")
        axe_check(page, "security-key-add")
        page.locator("#id_name").fill("YubiKey on my keyring")
        page.locator("#mfa_webauthn_add").click()
        page.wait_for_url(lambda url: "/webauthn/add/" not in url)

        page.goto("/en/accounts/logout/")
        page.locator("main form button[type=submit]").first.click()
        sign_in(page)
        axe_check(page, "two-factor-code-or-key")
        page.locator("#mfa_webauthn_authenticate").click()
        page.wait_for_url(lambda url: "/accounts/" not in url)
        page.goto("/admin/")
        return page.url, page.locator("h1").first.inner_text()

    url, heading = in_browser(journey)
    keys = Authenticator.objects.filter(user=editor, type=Authenticator.Type.WEBAUTHN)
    assert [key.wrap().name for key in keys] == ["YubiKey on my keyring"]
    assert url.endswith("/admin/")  # signed in with the key: the admin opens
    assert heading
