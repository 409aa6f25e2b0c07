"""Roles, who reaches the admin, demo accounts and the health check."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import override_settings

from lms import roles
from lms.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_three_roles_exist_after_migrating():
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.PRESCRIBER, roles.MEDICAL_AFFAIRS, roles.COMPLIANCE_OFFICER} <= names
    assert not {"Editors", "Moderators"} & names


def test_prescribers_never_reach_the_admin(client):
    client.force_login(factories.PrescriberFactory())
    assert client.get("/admin/", follow=True).status_code == 403
    assert client.get("/admin/pages/", follow=True).status_code == 403


@pytest.mark.parametrize("factory", [factories.MedicalAffairsFactory, factories.ComplianceFactory])
def test_staff_roles_reach_the_admin(client, factory):
    client.force_login(factory())
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_the_allauth_login(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/?next=/admin/pages/")
    response = client.get("/admin/", follow=True)
    assert "/accounts/login/?next=/admin/" in response.redirect_chain[-1][0]


def test_compliance_officers_cannot_edit_pages_or_questions(client):
    client.force_login(factories.ComplianceFactory())
    assert client.get("/admin/snippets/quizzes/question/").status_code in (302, 403)
    assert client.get("/admin/quizzes/statistics/").status_code in (302, 403)


def test_medical_affairs_can_edit_questions_and_see_statistics(client):
    client.force_login(factories.MedicalAffairsFactory())
    assert client.get("/admin/snippets/quizzes/question/").status_code == 200
    assert client.get("/admin/quizzes/statistics/").status_code == 200


@override_settings(DEBUG=True)
def test_seed_demo_creates_verified_accounts_once():
    call_command("seed_demo")
    call_command("seed_demo")
    emails = {
        "prescriber@example.com",
        "editor@example.com",
        "reviewer@example.com",
        "compliance@example.com",
    }
    assert set(User.objects.values_list("email", flat=True)) == emails
    prescriber = User.objects.get(email="prescriber@example.com")
    assert prescriber.hpr_number
    assert prescriber.emailaddress_set.get().verified
    assert User.objects.get(email="reviewer@example.com").groups.filter(name=roles.MEDICAL_AFFAIRS).exists()
    assert (
        User.objects.get(email="compliance@example.com").groups.filter(name=roles.COMPLIANCE_OFFICER).exists()
    )


def test_seed_demo_refuses_when_debug_is_off():
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_healthz_reports_a_healthy_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client):
    with mock.patch("lms.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.fixture
def superuser():
    root = User.objects.create_superuser(email="root@example.org", password=factories.PASSWORD)
    factories.enrol_totp(root)
    return root


def test_a_programme_with_attempts_cannot_be_deleted_from_the_admin(
    client, superuser, ready_prescriber, programme_with_bank
):
    from quizzes import services

    services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    client.force_login(superuser)
    response = client.post(f"/admin/pages/{programme_with_bank.pk}/delete/")
    assert response.status_code == 302
    assert type(programme_with_bank).objects.filter(pk=programme_with_bank.pk).exists()
    response = client.post(f"/admin/pages/{programme_with_bank.get_parent().pk}/delete/")
    assert type(programme_with_bank).objects.filter(pk=programme_with_bank.pk).exists()


def test_a_prescriber_with_attempts_cannot_be_deleted_from_the_admin(
    client, superuser, ready_prescriber, programme_with_bank
):
    from quizzes import services

    services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    client.force_login(superuser)
    from django.urls import reverse

    response = client.post(reverse("wagtailusers_users:delete", args=[ready_prescriber.pk]))
    assert response.status_code == 302
    assert User.objects.filter(pk=ready_prescriber.pk).exists()


def test_a_user_without_attempts_can_still_be_deleted(client, superuser):
    from django.urls import reverse

    someone = factories.PrescriberFactory()
    client.force_login(superuser)
    url = reverse("wagtailusers_users:delete", args=[someone.pk])
    assert client.post(url).status_code == 302
    assert not User.objects.filter(pk=someone.pk).exists()
