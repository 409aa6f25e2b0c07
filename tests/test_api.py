"""The attestation status API for pharmacy and hospital systems, and its tokens.

The API only reports ``selectors.attestation_status_for_hpr``; these tests check the token,
the parameters, the documented answers, and that no input makes it fail.
"""

import datetime
import hashlib
import io
import json
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import QueuedAuditEvent
from audit.services import audit_trail
from certificates import services as certificate_services
from certificates.models import ApiToken, Attestation
from courses.models import ProgrammePage
from quizzes import services as quiz_services
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/attestations/status"
ADMIN = "/admin/api-tokens/"


@pytest.fixture
def raw_token():
    _token, raw = certificate_services.api_token_create(name="Apotek 1 Bergen")
    return raw


@pytest.fixture
def api(client, raw_token):
    """GET the status endpoint with a valid token."""

    def get(query, **headers):
        """``query``: a raw query string, or (name, value) pairs to encode."""
        if not isinstance(query, str):
            query = urlencode(query)
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {raw_token}")
        return client.get(f"{URL}?{query}", **headers)

    return get


def _pass_quiz(user, programme):
    """A real pass through the quiz services: the receiver issues the attestation."""
    factories.read_all(user, programme)
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


# Authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("Bearer not-a-token", id="wrong"),
        pytest.param("Bearer ", id="empty"),
        pytest.param("Basic dXNlcjpwYXNz", id="other-scheme"),
        pytest.param("Bearer " + "x" * 10_000, id="huge"),
        pytest.param("Bearer tøken", id="non-ascii"),
    ],
)
def test_a_missing_or_wrong_token_gets_401_with_a_json_body(client, programme, header):
    factories.PrescriberFactory(hpr_number="1234567")
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(f"{URL}?hpr=1234567&programme={programme.slug}", **extra)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_a_revoked_token_gets_401(client, programme):
    token, raw = certificate_services.api_token_create(name="Sykehusapotek")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"{URL}?hpr=1234567&programme={programme.slug}", **headers).status_code == 200

    certificate_services.api_token_revoke(token=token, by=factories.ComplianceFactory())

    assert client.get(f"{URL}?hpr=1234567&programme={programme.slug}", **headers).status_code == 401


def test_the_token_is_checked_before_the_parameters(client):
    assert client.get(f"{URL}?hpr=abc").status_code == 401


def test_a_token_cannot_be_revoked_twice():
    token, _raw = certificate_services.api_token_create(name="Vitusapotek")
    officer = factories.ComplianceFactory()
    certificate_services.api_token_revoke(token=token, by=officer)
    with pytest.raises(certificate_services.ApiTokenError) as error:
        certificate_services.api_token_revoke(token=token, by=officer)
    assert error.value.code == "already_revoked"


# Parameters ----------------------------------------------------------------------------------


HPR_ONLY = [("hpr", "1234567")]
PROGRAMME_ONLY = [("programme", "testmed")]


@pytest.mark.parametrize(
    ("query", "parameter", "code"),
    [
        pytest.param(PROGRAMME_ONLY, "hpr", "missing", id="hpr-missing"),
        pytest.param(HPR_ONLY, "programme", "missing", id="programme-missing"),
        pytest.param([("hpr", ""), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-empty"),
        pytest.param([("hpr", "123456"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-six-digits"),
        pytest.param([("hpr", "1234567890"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-ten-digits"),
        pytest.param([("hpr", "12345a7"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-letter"),
        pytest.param([("hpr", "+1234567"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-plus-sign"),
        pytest.param([("hpr", "0000000"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-all-zeros"),
        pytest.param(
            [("hpr", "0000123456"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-six-significant"
        ),
        # Arabic-Indic, full-width and Devanagari digits are digits to Python, not to HPR.
        pytest.param([("hpr", "١٢٣٤٥٦٧"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-arabic-digits"),
        pytest.param([("hpr", "１２３４５６７"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-fullwidth"),
        pytest.param([("hpr", "१२३४५६७"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-devanagari"),
        pytest.param([("hpr", "1234567'--"), *PROGRAMME_ONLY], "hpr", "invalid_hpr", id="hpr-sql"),
        pytest.param([*HPR_ONLY, ("hpr", "7654321"), *PROGRAMME_ONLY], "hpr", "repeated", id="hpr-repeated"),
        pytest.param(
            [*HPR_ONLY, *PROGRAMME_ONLY, *PROGRAMME_ONLY], "programme", "repeated", id="programme-twice"
        ),
        pytest.param([*HPR_ONLY, ("programme", "")], "programme", "invalid_slug", id="programme-empty"),
        pytest.param(
            [*HPR_ONLY, ("programme", "test med")], "programme", "invalid_slug", id="programme-space"
        ),
        pytest.param(
            [*HPR_ONLY, ("programme", "test/med")], "programme", "invalid_slug", id="programme-slash"
        ),
        pytest.param(
            [*HPR_ONLY, ("programme", "test\x00med")], "programme", "invalid_slug", id="programme-nul"
        ),
        pytest.param(
            [*HPR_ONLY, ("programme", "a" * 256)], "programme", "invalid_slug", id="programme-too-long"
        ),
        pytest.param(
            [*HPR_ONLY, ("programme", "x' OR '1'='1")], "programme", "invalid_slug", id="programme-sql"
        ),
    ],
)
def test_a_malformed_parameter_gets_400_naming_it(api, programme, query, parameter, code):
    response = api(query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    assert {"parameter": parameter, "code": code} in [
        {"parameter": e["parameter"], "code": e["code"]} for e in body["errors"]
    ]
    assert all(error["message"] for error in body["errors"])


def test_both_parameters_missing_names_both(api):
    response = api("")
    assert response.status_code == 400
    assert {e["parameter"] for e in response.json()["errors"]} == {"hpr", "programme"}


def test_an_unknown_programme_gets_400_naming_the_programme(api, programme):
    response = api("hpr=1234567&programme=no-such-programme")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "parameter": "programme",
            "code": "unknown_programme",
            "message": "No published programme has this slug.",
        }
    ]


def test_a_programme_only_in_another_language_or_unpublished_is_unknown(
    api, programme, django_capture_on_commit_callbacks
):
    english = factories.programme(code="en", slug="testmed-en", source=programme)
    assert api(f"hpr=1234567&programme={english.slug}").json()["errors"][0]["code"] == "unknown_programme"
    assert api(f"hpr=1234567&programme={programme.slug}").json()["status"] == "none"

    # The programme keys are cached: unpublishing forgets them once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        programme.unpublish()
    assert api(f"hpr=1234567&programme={programme.slug}").json()["errors"][0]["code"] == "unknown_programme"


def test_a_programme_published_moved_or_deleted_is_seen_at_once(
    api, programme, django_capture_on_commit_callbacks
):
    assert api("hpr=1234567&programme=testmed-2").json()["errors"][0]["code"] == "unknown_programme"
    second = factories.programme(code="nb", slug="testmed-2")
    # A slug the cached keys do not know is looked up again, so a new programme answers at once.
    assert api("hpr=1234567&programme=testmed-2").json()["status"] == "none"

    with django_capture_on_commit_callbacks(execute=True):
        second.slug = "testmed-renamed"
        second.save_revision().publish()
    assert api("hpr=1234567&programme=testmed-2").json()["errors"][0]["code"] == "unknown_programme"
    assert api("hpr=1234567&programme=testmed-renamed").json()["status"] == "none"

    with django_capture_on_commit_callbacks(execute=True):
        ProgrammePage.objects.get(pk=second.pk).delete()
    assert api("hpr=1234567&programme=testmed-renamed").json()["errors"][0]["code"] == "unknown_programme"


# Answers -------------------------------------------------------------------------------------


def _expire(attestation):
    Attestation.objects.filter(pk=attestation.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )


def _revoke(attestation):
    certificate_services.attestation_revoke(
        attestation=attestation, by=factories.ComplianceFactory(), reason="Issued in error."
    )


def _require_renewal(attestation):
    Attestation.objects.filter(pk=attestation.pk).update(
        renewal_required_from=timezone.now() - datetime.timedelta(hours=1)
    )


def _end_date(attestation):
    return attestation.valid_until


def _revocation_day(attestation):
    return timezone.localtime(attestation.revoked_at).date()


def _renewal_day(attestation):
    return timezone.localtime(attestation.renewal_required_from).date()


@pytest.mark.parametrize(
    ("change", "status", "last_day"),
    [
        pytest.param(None, "valid", _end_date, id="valid"),
        pytest.param(_expire, "expired", _end_date, id="expired"),
        # Revoked, or due for renewal: it stopped counting on that day, before its end date.
        pytest.param(_revoke, "revoked", _revocation_day, id="revoked"),
        pytest.param(_require_renewal, "renewal_required", _renewal_day, id="renewal_required"),
    ],
)
def test_each_status_is_answered_with_the_last_valid_day_and_serial(
    api, ready_prescriber, programme_with_bank, change, status, last_day
):
    attestation = _pass_quiz(ready_prescriber, programme_with_bank)
    if change:
        change(attestation)
    attestation.refresh_from_db()

    response = api(f"hpr={ready_prescriber.hpr_number}&programme={programme_with_bank.slug}")

    assert response.status_code == 200
    assert response.json() == {
        "hpr": ready_prescriber.hpr_number,
        "programme": programme_with_bank.slug,
        "status": status,
        "valid_until": last_day(attestation).isoformat(),
        "serial": attestation.serial,
    }
    assert "no-store" in response["Cache-Control"]


def test_a_pending_renewal_brings_the_last_valid_day_forward(api, ready_prescriber, programme_with_bank):
    attestation = _pass_quiz(ready_prescriber, programme_with_bank)
    due = timezone.now() + datetime.timedelta(days=10)
    Attestation.objects.filter(pk=attestation.pk).update(renewal_required_from=due)

    body = api(f"hpr={ready_prescriber.hpr_number}&programme={programme_with_bank.slug}").json()

    assert body["status"] == "valid"
    assert body["valid_until"] == timezone.localtime(due).date().isoformat()


def test_a_known_prescriber_without_attestation_is_none(api, prescriber, programme):
    response = api(f"hpr={prescriber.hpr_number}&programme={programme.slug}")
    assert response.status_code == 200
    assert response.json() == {
        "hpr": prescriber.hpr_number,
        "programme": programme.slug,
        "status": "none",
        "valid_until": None,
        "serial": None,
    }


def test_an_unknown_prescriber_is_none(api, programme):
    response = api(f"hpr=987654321&programme={programme.slug}")
    assert response.status_code == 200
    assert response.json()["status"] == "none"
    assert response.json()["serial"] is None


def test_an_attestation_for_one_programme_says_nothing_about_another(
    api, ready_prescriber, programme_with_bank
):
    _pass_quiz(ready_prescriber, programme_with_bank)
    other = factories.programme(slug="othermed")
    response = api(f"hpr={ready_prescriber.hpr_number}&programme={other.slug}")
    assert response.json()["status"] == "none"


def test_a_call_costs_three_queries_and_never_waits_for_the_audit_chain(
    api, ready_prescriber, programme_with_bank, django_assert_num_queries
):
    """Token, status (holder and attestation in one query), the queued lookup: the hot path of
    pharmacy systems asking many times a second. None of them takes the audit chain's lock."""
    attestation = _pass_quiz(ready_prescriber, programme_with_bank)
    query = f"hpr={ready_prescriber.hpr_number}&programme={programme_with_bank.slug}"
    api(query)  # the token's last use and the programme keys are written once

    with django_assert_num_queries(3) as captured:
        assert api(query).json()["status"] == "valid"

    assert not any(
        "advisory" in q["sql"] or "audit_auditevent" in q["sql"] for q in captured.captured_queries
    )
    assert QueuedAuditEvent.objects.filter(object_id=str(attestation.pk)).count() == 2
    assert [e.action for e in audit_trail().filter(object_id=str(attestation.pk))].count(
        "attestation.looked_up"
    ) == 2


# Documentation -------------------------------------------------------------------------------


def test_the_openapi_schema_documents_every_answer(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"][URL]["get"]
    responses = operation["responses"]
    assert set(responses) == {"200", "400", "401"}
    for code in ("200", "400", "401"):
        assert "application/json" in responses[code]["content"]
    assert {p["name"] for p in operation["parameters"]} == {"hpr", "programme"}
    assert all(p["required"] for p in operation["parameters"])
    status_schema = schema["components"]["schemas"]["AttestationStatusOut"]
    assert set(status_schema["properties"]) == {"hpr", "programme", "status", "valid_until", "serial"}
    assert set(status_schema["properties"]["status"]["enum"]) == {
        "valid",
        "identity_unverified",
        "expired",
        "revoked",
        "renewal_required",
        "none",
    }
    scheme = next(iter(schema["components"]["securitySchemes"].values()))
    assert scheme == {"type": "http", "scheme": "bearer"}
    assert operation["security"]
    assert "422" not in json.dumps(schema)


def test_the_interactive_docs_are_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content


# Tokens --------------------------------------------------------------------------------------


def test_last_use_is_recorded(api, raw_token, programme):
    token = ApiToken.objects.get(name="Apotek 1 Bergen")
    assert token.last_used_at is None

    api(f"hpr=1234567&programme={programme.slug}")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < datetime.timedelta(minutes=1)

    earlier = timezone.now() - datetime.timedelta(hours=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    api(f"hpr=1234567&programme={programme.slug}")
    token.refresh_from_db()
    assert token.last_used_at > earlier + datetime.timedelta(hours=1)


def test_a_failed_call_does_not_count_as_use(client, raw_token, programme):
    client.get(f"{URL}?hpr=1234567&programme={programme.slug}", HTTP_AUTHORIZATION="Bearer wrong")
    assert ApiToken.objects.get(name="Apotek 1 Bergen").last_used_at is None


def _database_text() -> str:
    """Every value in every table, plus decoded sessions (their stored form is compressed)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
                    else:
                        chunks.append(str(value))
    chunks.extend(str(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(chunks)


def test_the_raw_token_is_stored_nowhere_only_its_hash(client, programme):
    client.force_login(factories.ComplianceFactory())
    response = client.post(f"{ADMIN}new/", {"name": "Hospital pharmacy"})
    token = ApiToken.objects.get(name="Hospital pharmacy")
    raw = response.context["raw_token"]
    assert (
        client.get(
            f"{URL}?hpr=1234567&programme={programme.slug}", HTTP_AUTHORIZATION=f"Bearer {raw}"
        ).status_code
        == 200
    )
    client.get(ADMIN)  # a page after the one that showed the token

    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:8]
    text = _database_text()
    assert token.token_hash in text  # the scan does see the token's row
    assert raw not in text
    assert raw[8:] not in text


def test_the_command_prints_a_token_that_works(client, programme):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "Apotek 1 Oslo", stdout=out, stderr=err)

    raw = out.getvalue().strip()
    assert "shown only now" in err.getvalue()
    token = ApiToken.objects.get(name="Apotek 1 Oslo")
    assert token.created_by is None
    response = client.get(f"{URL}?hpr=1234567&programme={programme.slug}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["Apotek 1 Oslo", "apotek 1 oslo", "  Apotek 1 Oslo "])
def test_the_command_refuses_a_duplicate_name(name):
    call_command("create_api_token", "Apotek 1 Oslo", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    with pytest.raises(CommandError, match="Det finnes allerede et API-token"):  # LANGUAGE_CODE is nb
        call_command("create_api_token", name, stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""
    assert ApiToken.objects.count() == 1


def test_the_command_refuses_a_blank_name():
    with pytest.raises(CommandError, match="Gi tokenet et navn"):
        call_command("create_api_token", "   ", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


# Admin ---------------------------------------------------------------------------------------


def test_a_compliance_officer_creates_a_token_and_sees_it_once(client, programme):
    officer = factories.ComplianceFactory()
    client.force_login(officer)
    assert client.get(f"{ADMIN}new/").status_code == 200

    response = client.post(f"{ADMIN}new/", {"name": "Sykehusapoteket Vest"})

    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(name="Sykehusapoteket Vest")
    assert token.created_by == officer
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()

    listing = client.get(ADMIN)
    inspect = client.get(f"{ADMIN}inspect/{token.pk}/")
    for page in (listing, inspect):
        assert page.status_code == 200
        assert "Sykehusapoteket Vest" in page.content.decode()
        assert token.prefix in page.content.decode()
        assert raw not in page.content.decode()


def test_the_admin_refuses_a_duplicate_name(client):
    certificate_services.api_token_create(name="Apotek 1 Bergen")
    client.force_login(factories.ComplianceFactory())
    response = client.post(f"{ADMIN}new/", {"name": "apotek 1 bergen"})
    assert response.status_code == 200
    assert "raw_token" not in response.context
    assert response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 1


def test_a_compliance_officer_revokes_a_token_in_the_admin(client, programme):
    token, raw = certificate_services.api_token_create(name="Apotek 1 Bergen")
    officer = factories.ComplianceFactory()
    client.force_login(officer)
    assert client.get(f"{ADMIN}revoke/{token.pk}/").status_code == 200

    response = client.post(f"{ADMIN}revoke/{token.pk}/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == officer
    client.logout()
    response = client.get(f"{URL}?hpr=1234567&programme={programme.slug}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_there_is_no_edit_or_delete_page_for_tokens(client):
    token, _raw = certificate_services.api_token_create(name="Apotek 1 Bergen")
    client.force_login(factories.ComplianceFactory())
    for url in (f"{ADMIN}edit/{token.pk}/", f"{ADMIN}delete/{token.pk}/"):
        assert client.get(url, follow=True).status_code == 404
        assert client.post(url, {"name": "Renamed"}).status_code != 200
    assert client.get(f"{ADMIN}inspect/{token.pk}/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).name == "Apotek 1 Bergen"


def test_medical_affairs_cannot_see_create_or_revoke_tokens(client):
    token, _raw = certificate_services.api_token_create(name="Apotek 1 Bergen")
    client.force_login(factories.MedicalAffairsFactory())

    assert "API tokens" not in client.get("/admin/").content.decode()
    for url in (ADMIN, f"{ADMIN}new/", f"{ADMIN}inspect/{token.pk}/", f"{ADMIN}revoke/{token.pk}/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/admin/"
    client.post(f"{ADMIN}new/", {"name": "Sneaky"})
    client.post(f"{ADMIN}revoke/{token.pk}/")

    assert list(ApiToken.objects.values_list("name", "revoked_at")) == [("Apotek 1 Bergen", None)]


def test_compliance_officers_find_tokens_in_the_admin_menu(client):
    client.force_login(factories.ComplianceFactory())
    assert "API-tokener" in client.get("/admin/").content.decode()  # the admin speaks nb by default


def test_prescribers_never_reach_the_token_admin(client):
    client.force_login(factories.PrescriberFactory())
    response = client.get(ADMIN, follow=True)
    assert response.status_code == 403
    assert "API" not in response.content.decode()


# Trying to break it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "hpr=" + "1" * 100_000 + "&programme=testmed",
        "hpr=1234567&programme=" + "a" * 100_000,
        "hpr=%FF%FE%FD&programme=%C0%AF",  # not UTF-8
        "hpr=1234567&programme=testmed&" + "&".join(f"x{n}=y" for n in range(2_000)),
        "hpr[]=1234567&programme[]=testmed",
        "hpr=1234567;DROP TABLE certificates_apitoken&programme=testmed",
        "hpr=1234567&programme=testmed%27%3B%20DROP%20TABLE%20lms_user%3B--",
        "hpr=%F0%9F%92%8A%F0%9F%92%8A%F0%9F%92%8A&programme=%F0%9F%92%8A",
        "hpr=1234567&programme=lemtr%C3%A5da",  # a letter Wagtail allows in slugs: well-formed, unknown
        "hpr=1234567&programme=%E2%80%AEadartmel",  # right-to-left override
        "hpr=1e7&programme=testmed",
        "hpr=-1234567&programme=testmed",
        "%00=%00&hpr=1234567&programme=testmed",
        "hpr=1234567&programme=testmed&hpr",
        "&&&=&=&==",
    ],
)
def test_odd_input_never_fails_the_server(api, programme, query):
    response = api(query)
    assert response.status_code in {200, 400}
    body = response.json()
    assert "status" in body or body["errors"]


def test_the_tables_are_still_there_after_sql_looking_input(api, raw_token, programme):
    api("hpr=1234567&programme=x';DELETE FROM certificates_apitoken;--")
    assert api(f"hpr=1234567&programme={programme.slug}").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, raw_token, method):
    response = getattr(client, method)(
        f"{URL}?hpr=1234567&programme=testmed", HTTP_AUTHORIZATION=f"Bearer {raw_token}"
    )
    assert response.status_code == 405


def test_a_status_call_is_not_wrapped_in_the_request_wide_transaction():
    """Its audit event takes the chain's lock in a transaction of its own: inside the request's,
    the lock would be held until the reply was built, and calls would queue behind each other."""
    from django.urls import resolve

    assert resolve(URL).func._non_atomic_requests == {"default"}
