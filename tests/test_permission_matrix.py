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
