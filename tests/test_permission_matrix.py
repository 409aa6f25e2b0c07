"""Who sees what: admin and app URLs for anonymous visitors, prescribers, Medical affairs and
Compliance officers.

Expected answers: ``200`` shown; ``login`` sent to the login page; ``403`` the no-access page
(prescribers in the admin); ``home`` Wagtail's refusal for staff (back to the dashboard with a
message); ``404`` not there for this user.
"""

import pytest
from django.urls import reverse

from lms import roles
from tests import factories
from tests.test_attestation_lifecycle import attested

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", roles.PRESCRIBER, roles.MEDICAL_AFFAIRS, roles.COMPLIANCE_OFFICER)


def _user(role):
    return {
        "anonymous": None,
        roles.PRESCRIBER: factories.PrescriberFactory,
        roles.MEDICAL_AFFAIRS: factories.MedicalAffairsFactory,
        roles.COMPLIANCE_OFFICER: factories.ComplianceFactory,
    }[role]


@pytest.fixture
def world(programme_with_bank):
    attestation = attested(programme_with_bank)
    from quizzes.models import Question

    question = Question.objects.filter(locale__language_code="nb").first()
    return {"attestation": attestation, "programme": programme_with_bank, "question": question}


def _matrix(world):
    a, p, q = world["attestation"], world["programme"], world["question"]
    # url: (anonymous, prescriber, Medical affairs, Compliance officer)
    return {
        "/admin/": ("login", "403", "200", "200"),
        f"/admin/pages/{p.pk}/edit/": ("login", "403", "200", "home"),
        f"/admin/snippets/quizzes/question/edit/{q.pk}/": ("login", "403", "200", "home"),
        "/admin/snippets/quizzes/question/": ("login", "403", "200", "home"),
        reverse("quizzes_item_statistics"): ("login", "403", "200", "home"),
        reverse("attestations:index"): ("login", "403", "home", "200"),
        reverse("attestations:inspect", args=[a.pk]): ("login", "403", "home", "200"),
        reverse("treatment_initiations:index"): ("login", "403", "home", "200"),
        reverse("audit_trail:index"): ("login", "403", "home", "200"),
        reverse("content_history:index"): ("login", "403", "home", "200"),
        reverse("api_tokens:index"): ("login", "403", "home", "200"),
        reverse("hpr_verification:index"): ("login", "403", "home", "200"),
        reverse("prescribers:index"): ("login", "403", "home", "200"),
        reverse("prescribers:inspect", args=[a.user_id]): ("login", "403", "home", "200"),
        reverse("effectiveness_report"): ("login", "403", "home", "200"),
        reverse("effectiveness_report_pdf"): ("login", "403", "home", "200"),
        "/admin/reports/site-history/": ("login", "403", "200", "200"),
        "/admin/users/": ("login", "403", "home", "home"),
        "/admin/groups/": ("login", "403", "home", "home"),
        "/admin/workflows/list/": ("login", "403", "home", "home"),
        f"/admin/pages/{p.pk}/": ("login", "403", "200", "home"),
        "/admin/localize/reports/translations/": ("login", "403", "200", "200"),
        f"/en/attestations/{a.pk}/pdf/": ("404", "404", "404", "200_or_404"),
        "/en/attestations/": ("login", "200", "200", "200"),
        "/en/account/my-data/": ("login", "200", "200", "200"),
        f"/en/verify/{a.verification_code}/": ("200", "200", "200", "200"),
        "/en/help/": ("200", "200", "200", "200"),
    }


def _answer(client, response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if "/admin/login/" in location:
            # Wagtail sends whoever lacks admin access to its login URL; a signed-in user without
            # it gets the no-access page there (403), an anonymous visitor the login page.
            followed = client.get(location, HTTP_ACCEPT_LANGUAGE="en")
            return "403" if followed.status_code == 403 else "login"
        if "/accounts/login/" in location:
            return "login"
        if location.rstrip("/").endswith("/admin"):
            return "home"
        return f"302 {location}"
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_kind_of_user_as_it_should(client, world, role):
    make = _user(role)
    if make is not None:
        client.force_login(make())
    wrong = []
    for url, expected in _matrix(world).items():
        want = expected[ROLES.index(role)]
        got = _answer(client, client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        if want == "200_or_404":
            want = got if got in ("200", "404") else "200"
        if got != want:
            wrong.append(f"{url}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


# Every admin URL, generated from the URL configuration -------------------------------------------


def _admin_urls() -> list[str]:
    """Every admin URL pattern with its parameters filled in (any value: the admin refuses a
    visitor without admin access before it looks anything up)."""
    import re

    filled = {
        "int": "1",
        "str": "x",
        "slug": "x",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "path": "x",
    }

    urls = set()
    for text in factories.url_pattern_texts():
        if not text.startswith("admin/"):
            continue
        text = re.sub(r"<(?:(\w+):)?\w+>", lambda m: filled[m.group(1) or "str"], text)
        text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text).replace("^", "").replace("$", "")
        text = text.replace("\\d+", "1").replace("\\.", ".").replace("live|earliest|1", "1")
        if re.search(r"[()\[\]\\|*+?]", text):
            continue  # a pattern this filler cannot make a URL of
        urls.add("/" + text)
    return sorted(urls)


# Admin URLs anyone may open: the login page (which sends on to allauth's), the log-out, the
# icon sprite and the JavaScript translation catalogues.
OPEN_ADMIN_URLS = {
    "/admin/login/",
    "/admin/logout/",
    "/admin/sprite/",
    "/admin/jsi18n/",
    "/admin/localize/jsi18n/",
}


@pytest.mark.parametrize("role", ["anonymous", roles.PRESCRIBER])
def test_every_admin_url_sends_anonymous_visitors_to_log_in_and_refuses_prescribers(client, role):
    if role == roles.PRESCRIBER:
        client.force_login(factories.PrescriberFactory())
    want = "login" if role == "anonymous" else "403"
    # Wagtail's own password reset answers 404 (it is switched off: see the test below).
    urls = [url for url in _admin_urls() if url not in OPEN_ADMIN_URLS and "/password_reset/" not in url]
    assert len(urls) > 150  # the generator found the admin
    wrong = []
    for url in urls:
        got = _answer(client, client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        if got != want:
            wrong.append(f"{url}: {got}")
    assert not wrong, "\n".join(wrong)


def test_wagtails_own_password_reset_is_switched_off(client):
    """allauth's password reset is the only one (rate-limited, in the user's language)."""
    for url in [url for url in _admin_urls() if "password_reset" in url] + ["/admin/password_reset/"]:
        assert client.get(url, follow=True).status_code == 404, url
