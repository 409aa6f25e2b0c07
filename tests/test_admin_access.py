"""Who reaches the Wagtail admin, and what everybody else sees instead of a redirect loop."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

NO_ACCESS = "Your account has no access to the administration pages."


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/"])
def test_a_signed_in_prescriber_gets_a_403_page_not_a_redirect_loop(client, path):
    client.force_login(factories.PrescriberFactory())
    response = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert len(response.redirect_chain) <= 2
    assert response.status_code == 403
    body = response.content.decode()
    assert NO_ACCESS in body
    assert '<html lang="en">' in body
    assert 'href="/en/help/"' in body
    assert 'href="/en/"' in body


def test_the_no_access_page_is_in_the_language_of_the_user(client):
    client.force_login(factories.PrescriberFactory())
    response = client.get("/admin/", follow=True, HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 403
    assert '<html lang="nb">' in response.content.decode()
    # Its language links lead to the same page in the other language, not to a 404.
    english = client.get("/en/admin/login/?next=/admin/")
    assert english.status_code == 403
    assert NO_ACCESS in english.content.decode()


def test_an_anonymous_visitor_goes_to_the_login_page_with_next(client):
    response = client.get("/admin/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/en/accounts/login/?next=/admin/"


def test_the_admin_login_url_keeps_next_for_an_anonymous_visitor(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/?next=/admin/pages/")


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)", "http://testserver/admin/"],
)
def test_the_admin_login_url_only_passes_on_local_next_urls(client, next_url):
    response = client.get("/admin/login/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/?next=/admin/")


def test_medical_affairs_logs_in_through_allauth_and_gets_the_dashboard(client):
    staff = factories.MedicalAffairsFactory()
    login = client.get("/admin/", follow=True, HTTP_ACCEPT_LANGUAGE="en").redirect_chain[-1][0]
    assert login == "/en/accounts/login/?next=/admin/"
    response = client.post(login, {"login": staff.email, "password": factories.PASSWORD})
    assert response["Location"] == "/en/accounts/2fa/authenticate/"  # staff give a code too
    response = client.post(response["Location"], {"code": factories.totp_code(staff.totp_secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "wagtailadmin/home.html" in [t.name for t in dashboard.templates]


def test_signed_in_staff_on_the_admin_login_url_go_on_to_next(client):
    client.force_login(factories.ComplianceFactory())
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"


def test_the_no_access_page_shows_other_messages_but_not_wagtails_english_refusal(client):
    prescriber = factories.PrescriberFactory()
    client.post(
        "/nb/accounts/login/?next=/admin/", {"login": prescriber.email, "password": factories.PASSWORD}
    )
    response = client.get("/admin/", follow=True, HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You do not have permission to access the admin." not in body
    assert 'class="message message-success"' in body  # allauth's "You are logged in as …" is kept


def test_the_norwegian_admin_names_its_own_menus_in_bokmal(client):
    """Texts Wagtail's own catalogue leaves in English (lms.wagtail_texts), on every admin page."""
    client.force_login(factories.ComplianceFactory())
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "Søk i alle sider …" in page and "Search all pages…" not in page
    assert '"name": "help", "label": "Hjelp"' in page  # the sidebar's Help menu
