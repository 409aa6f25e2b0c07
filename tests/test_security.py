"""Security tests: what people type is shown as text everywhere (pages, PDF, e-mails, the admin,
exports); names refuse invisible control and direction characters; sign-in and language links
never lead off-site; every state-changing request needs the CSRF token; the API needs a token.

The lock-out of everyone by one client behind the proxy is in ``test_hardening``.
"""

import csv
import io
import re
from urllib.parse import quote

import openpyxl
import pypdf
import pytest
from django.apps import apps
from django.core import mail, serializers
from django.forms import modelform_factory
from django.test import Client
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.html import escape

from audit.models import AuditEvent
from certificates import services as certificate_services
from certificates.api import api
from certificates.models import Attestation, TreatmentInitiation
from courses.models import LessonPage, LessonProgress
from lms.models import User
from quizzes import services as quiz_services
from tests import factories
from tests.test_attestation_lifecycle import attested, officer

pytestmark = pytest.mark.django_db

# What an attacker types: markup, a script, an ampersand and quotes.
NAME = '<script>alert(1)</script> & "Kari" O\'Neil'
WORKPLACE = "<img src=x onerror=alert(2)> & Co"
PROFESSION = "<b>nurse</b>"
REFERENCE = '<i>P-7</i> & "x"'  # a patient reference (at most 40 characters)
REASON = '</textarea><script>alert(3)</script> wrong & "holder"'
TOKEN_NAME = "<svg onload=alert(4)> & Apotek"


def assert_escaped(body: str, *values: str) -> None:
    """Each value is in the HTML page as text (escaped), never as markup."""
    for value in values:
        assert value not in body, f"unescaped: {value!r}"
        assert escape(value) in body, f"not shown: {value!r}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


SIGNUP = factories.SIGNUP_FORM


def _signup_data(**changes) -> dict:
    return {**SIGNUP, **changes}


def _confirmations() -> dict:
    confirmations = dict.fromkeys(certificate_services.TREATMENT_CONFIRMATIONS, True)
    confirmations["indication_basis"] = certificate_services.INDICATION_BASES[0]
    return confirmations


@pytest.fixture
def holder(programme_with_bank, django_capture_on_commit_callbacks):
    """A prescriber with markup in every field they type, who passed (PDF rendered, e-mail sent)
    and recorded a treatment initiation with markup in the patient reference."""
    user = factories.PrescriberFactory(
        full_name=NAME, workplace=WORKPLACE, profession="other", profession_other=PROFESSION
    )
    factories.read_all(user, programme_with_bank)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = quiz_services.attempt_start(user=user, programme=programme_with_bank)
        quiz_services.attempt_submit(
            attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt)
        )
    certificate_services.treatment_initiation_record(
        user=user,
        programme=programme_with_bank,
        confirmations=_confirmations(),
        patient_reference=REFERENCE,
        language="en",
    )
    return Attestation.objects.select_related("user").get(attempt=attempt)


# Escaped in pages ---------------------------------------------------------------------------------


def test_the_holders_own_pages_show_name_workplace_and_patient_reference_as_text(client, holder):
    client.force_login(holder.user)
    attestations = client.get("/en/attestations/").content.decode()
    assert_escaped(attestations, NAME)

    assert_escaped(client.get("/en/account/my-data/").content.decode(), NAME)

    treatment = client.get(f"/nb/treatment/{holder.programme.slug}/").content.decode()
    assert_escaped(treatment, NAME, REFERENCE)

    result = client.get(reverse("quizzes:result", args=[holder.attempt_id])).content.decode()
    assert_escaped(result, NAME)


def test_the_public_verify_page_shows_the_holders_name_as_text(client, holder):
    body = client.get(f"/en/verify/{holder.verification_code}/").content.decode()
    assert_escaped(body, NAME)


def test_the_revocation_reason_is_text_on_the_holders_page(client, holder):
    certificate_services.attestation_revoke(attestation=holder, by=officer(), reason=REASON)
    client.force_login(holder.user)
    assert_escaped(client.get("/en/attestations/").content.decode(), REASON)


# Escaped in the PDF and e-mails --------------------------------------------------------------------


def test_the_attestation_pdf_prints_the_name_literally(holder):
    reader = pypdf.PdfReader(io.BytesIO(bytes(holder.document.content)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # Markup printed as text, not interpreted (and not shown as entities either).
    assert NAME in text
    assert "&lt;" not in text and "&amp;" not in text


def test_e_mails_are_plain_text_with_the_name_and_reason_as_typed(holder, django_capture_on_commit_callbacks):
    (ready,) = mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.attestation_revoke(attestation=holder, by=officer(), reason=REASON)
    revoked = mail.outbox[-1]
    for message, values in ((ready, [NAME]), (revoked, [NAME, REASON])):
        # No HTML part a mail program could run; the text part is the text as typed.
        assert not getattr(message, "alternatives", [])
        assert message.content_subtype == "plain"
        for value in values:
            assert value in message.body
        assert "&lt;" not in message.body and "&amp;" not in message.body and "&quot;" not in message.body


def test_the_sign_up_confirmation_e_mail_greets_the_name_as_typed(client, programme):
    response = client.post("/en/accounts/signup/", _signup_data(full_name=NAME))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert not getattr(message, "alternatives", [])
    assert f"Dear {NAME}," in message.body


# Escaped in the admin and the exports ----------------------------------------------------------------


def test_the_compliance_registers_show_what_people_typed_as_text(client, holder):
    token, _raw = certificate_services.api_token_create(name=TOKEN_NAME)
    waiting = factories.PrescriberFactory(full_name=NAME, workplace=WORKPLACE, hpr_verified_at=None)
    certificate_services.attestation_revoke(attestation=holder, by=officer(), reason=REASON)
    revoked_event = AuditEvent.objects.get(action="attestation.revoked")
    client.force_login(officer())

    pages = {
        reverse("attestations:index"): [NAME],
        reverse("attestations:inspect", args=[holder.pk]): [NAME, REASON],
        reverse("prescribers:index"): [NAME, WORKPLACE],
        reverse("prescribers:inspect", args=[holder.user_id]): [NAME, WORKPLACE, PROFESSION],
        reverse("treatment_initiations:index"): [NAME],
        reverse("hpr_verification:index"): [NAME],
        reverse("hpr_verification:confirm", args=[waiting.pk]): [NAME, WORKPLACE],
        reverse("audit_trail:index"): [NAME],
        reverse("audit_trail:inspect", args=[revoked_event.pk]): [REASON],
        reverse("api_tokens:index"): [TOKEN_NAME],
    }
    for url, values in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        body = response.content.decode()
        for value in values:
            assert value not in body, f"{url}: unescaped {value!r}"
            assert escape(value) in body, f"{url}: not shown {value!r}"


def test_exports_hold_the_text_as_typed_and_formulas_as_text(client, holder):
    formula = '=HYPERLINK("http://evil.example","x")'
    type(holder.user).objects.filter(pk=holder.user_id).update(workplace=formula)
    client.force_login(officer())

    response = client.get(reverse("attestations:index"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert rows[1][1] == NAME  # neither escaped nor cut: a spreadsheet shows it as text

    response = client.get(reverse("prescribers:index"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert row[header.index("Name")] == NAME
    assert row[header.index("Workplace")] == "'" + formula

    response = client.get(reverse("prescribers:index"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    header, row = (list(r) for r in sheet.iter_rows(max_row=2, values_only=True))
    assert row[header.index("Name")] == NAME and row[header.index("Workplace")] == "'" + formula
    assert all(cell.data_type == "s" for cell in sheet[2] if cell.value is not None)

    assert TreatmentInitiation.objects.filter(patient_reference=REFERENCE).exists()
    response = client.get(reverse("treatment_initiations:index"), {"export": "csv"})
    text = _body(response).decode("utf-8-sig")
    assert REFERENCE not in text  # the register never exports patient references
    header, row = list(csv.reader(io.StringIO(text)))[:2]
    assert row[header.index("Workplace")] == "'" + formula


# Control and text-direction characters refused in names ----------------------------------------------

REFUSED = {
    "bell": "\x07",
    "escape": "\x1b",
    "tab": "\t",
    "delete": "\x7f",
    "next-line-c1": "\x85",
    "csi-c1": "\x9b",
    "lre": "\u202a",
    "rle": "\u202b",
    "pdf": "\u202c",
    "lro": "\u202d",
    "rlo": "\u202e",
    "lri": "\u2066",
    "rli": "\u2067",
    "fsi": "\u2068",
    "pdi": "\u2069",
    "lrm": "\u200e",
    "rlm": "\u200f",
    "alm": "\u061c",
    "zero-width-space": "\u200b",
    "zero-width-non-joiner": "\u200c",
    "zero-width-joiner": "\u200d",
    "word-joiner": "\u2060",
    "byte-order-mark": "\ufeff",
    "soft-hyphen": "\u00ad",
    "hangul-filler": "\u3164",
    "halfwidth-hangul-filler": "\uffa0",
    "braille-blank": "\u2800",
    "combining-grapheme-joiner": "\u034f",
    "variation-selector-16": "\ufe0f",
    "variation-selector-17": "\U000e0100",
    "khmer-inherent-vowel": "\u17b4",
    "unassigned": "\u2065",
    "line-separator": "\u2028",
}
INVISIBLE = "Remove the invisible characters"


@pytest.mark.parametrize("char", REFUSED.values(), ids=REFUSED.keys())
def test_sign_up_refuses_a_name_with_a_control_or_direction_character_and_keeps_the_input(client, char):
    response = client.post("/en/accounts/signup/", _signup_data(full_name=f"Ola{char}Nordmann"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_full_name-error"' in body and INVISIBLE in body
    assert 'value="ola@example.no"' in body and 'value="St. Olavs hospital"' in body
    assert 'name="full_name"' in body and "Nordmann" in body  # the typed name, to correct
    assert not User.objects.filter(email="ola@example.no").exists()


@pytest.mark.parametrize(
    "name",
    ["\u200b", "\u3164", "\u2800 \u200b", "\u034f\u3000\ufe0f", "\u3000"],
    ids=["zwsp", "filler", "braille", "joiner-and-selector", "ideographic-space"],
)
def test_sign_up_refuses_a_name_that_shows_nothing(client, name):
    """A holder name nobody can see would read "Valid" above a blank on the verify page."""
    response = client.post("/en/accounts/signup/", _signup_data(full_name=name))
    assert response.status_code == 200
    assert 'id="id_full_name-error"' in response.content.decode()
    assert not User.objects.filter(email="ola@example.no").exists()


@pytest.mark.parametrize("field", ["workplace", "profession_other"])
def test_sign_up_refuses_a_right_to_left_override_in_workplace_and_profession(client, field):
    data = _signup_data(profession="other", profession_other="Nurse")
    data[field] = "Haukeland \u202eukgnir"
    response = client.post("/en/accounts/signup/", data)
    assert response.status_code == 200
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not User.objects.filter(email="ola@example.no").exists()


def test_the_norwegian_sign_up_says_why_too(client):
    response = client.post("/nb/accounts/signup/", _signup_data(full_name="Ola \u202eNordmann"))
    assert 'id="id_full_name-error"' in response.content.decode()


def test_markup_and_letters_of_every_script_are_names_like_any_other(client):
    for n, name in enumerate([NAME, "Ærlig Øvrebø-Ås", "محمد الأحمد", "王小明", "Zoë d'Arcy"]):
        data = _signup_data(full_name=name, email=f"p{n}@example.no", hpr_number=f"987654{n}")
        assert client.post("/en/accounts/signup/", data).status_code == 302, name
        assert User.objects.get(email=f"p{n}@example.no").full_name == name


def test_staff_cannot_put_a_direction_override_in_their_name_in_the_admin(client):
    user = factories.MedicalAffairsFactory(first_name="Erik", last_name="Redaktør")
    client.force_login(user)
    response = client.post(
        "/admin/account/",
        {
            "name_email-first_name": "Erik",
            "name_email-last_name": "\u202erøtkadeR",
            "name_email-email": user.email,
            "locale-preferred_language": "en",
            "locale-current_time_zone": "",
            "theme-theme": "system",
            "theme-contrast": "system",
            "theme-density": "default",
        },
    )
    assert response.status_code == 200
    # The admin speaks the site's language (bokmål) to a user who has not chosen another.
    assert "Fjern de usynlige tegnene" in response.content.decode()
    assert User.objects.get(pk=user.pk).last_name == "Redaktør"


def test_every_model_form_on_users_refuses_them_in_the_fields_it_edits():
    user = factories.PrescriberFactory(full_name="Kari Nordmann")
    form = modelform_factory(User, fields=["full_name", "workplace"])(
        data={"full_name": "Kari\u2067 Nordmann", "workplace": "Ullevål\x1b"}, instance=user
    )
    assert not form.is_valid()
    assert set(form.errors) == {"full_name", "workplace"}
    # A form that does not edit the name does not fail on it.
    User.objects.filter(pk=user.pk).update(full_name="Kari\u202e Nordmann")
    other = modelform_factory(User, fields=["workplace"])(data={"workplace": "Ullevål"}, instance=user)
    assert other.is_valid(), other.errors


# No redirect off-site ----------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "http:evil.example",
    "https:/evil.example",
    "https://testserver@evil.example/",
    "https://testserver.evil.example/",
    "javascript:alert(1)",
    "%2F%2Fevil.example",  # arrives as "//evil.example" once the query string is decoded
    "/%5Cevil.example",
    "%252F%252Fevil.example",
    "https%3A%2F%2Fevil.example",
]


def on_site(location: str) -> bool:
    """Where a browser would go stays on this site. Browsers drop tabs and newlines, read a
    backslash as a slash, take "///host" and "http:host" (from an https page) as another host:
    so only a path ("/x", not "//x") or an absolute address on this host counts."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", cleaned):  # it names a scheme
        return re.match(r"https?://testserver(/|$)", cleaned) is not None
    return not cleaned.startswith("//")


def _query(target: str) -> str:
    """``target`` as the value of ``next``: as typed (the URL encodes it once), or already encoded."""
    return target if "%" in target else quote(target, safe="")


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_redirects_off_site(client, target):
    user = factories.PrescriberFactory()
    credentials = {"login": user.email, "password": factories.PASSWORD}
    in_form = client.post("/en/accounts/login/", {**credentials, "next": target})
    assert in_form.status_code == 302 and on_site(in_form["Location"]), in_form["Location"]

    client.logout()
    in_url = client.post(f"/en/accounts/login/?next={_query(target)}", credentials)
    assert in_url.status_code == 302 and on_site(in_url["Location"]), in_url["Location"]

    # Signed in already, the login page sends straight on to ``next``.
    again = client.get(f"/en/accounts/login/?next={_query(target)}")
    assert again.status_code != 302 or on_site(again["Location"]), again["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_redirects_off_site(client, target):
    for data in ({"language": "en", "next": target},):
        response = client.post("/i18n/setlang/", data)
        assert response.status_code == 302 and on_site(response["Location"]), response["Location"]
    response = client.post(f"/i18n/setlang/?next={_query(target)}", {"language": "nb"})
    assert response.status_code == 302 and on_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_admin_login_and_sign_out_never_redirect_off_site(client, target):
    anonymous = client.get(f"/admin/login/?next={_query(target)}")
    assert anonymous.status_code == 302 and on_site(anonymous["Location"])

    client.force_login(factories.MedicalAffairsFactory())
    staff = client.get(f"/admin/login/?next={_query(target)}")
    assert staff.status_code == 302 and on_site(staff["Location"]), staff["Location"]

    client.force_login(factories.PrescriberFactory())
    out = client.post("/en/accounts/logout/", {"next": target})
    assert out.status_code == 302 and on_site(out["Location"]), out["Location"]


def test_a_path_on_the_site_is_still_followed(client):
    """The guard above is not a guard that refuses everything."""
    user = factories.PrescriberFactory()
    response = client.post(
        "/en/accounts/login/",
        {"login": user.email, "password": factories.PASSWORD, "next": "/en/attestations/"},
    )
    assert response["Location"] == "/en/attestations/"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/en/help/"})
    assert response["Location"] == "/en/help/"


# Every state-changing request needs the CSRF token --------------------------------------------------

# The one view that needs no CSRF token: the status API authenticates by bearer token, never by the
# session cookie (see the API tests below), and answers GET only.
CSRF_EXEMPT = {"/api/v1/attestations/status"}
STATE_APPS = {"lms", "courses", "quizzes", "certificates", "compliance", "audit", "account", "mfa"}


def _site_urls(values: dict) -> list[str]:
    """Every URL pattern outside the admin, its parameters filled from ``values`` by name (or by
    converter), so that each request would reach real objects were it not refused."""

    urls = set()
    for text in factories.url_pattern_texts():
        if text.startswith(("admin/", "nb/admin/", "en/admin/")) and not text.endswith("admin/login/"):
            continue  # the admin: tests/test_permission_matrix.py
        text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), text)
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m.group(1), "1"), text)
        text = text.replace("^", "").replace("$", "").replace("(\\d+)/(.*)", "1/x")
        if re.search(r"[()\[\]\\|*+?]", text):
            continue  # Wagtail's page catch-all: the pages are added below
        urls.add("/" + text)
    return sorted(urls | set(values["pages"]))


def _stored_state() -> dict:
    """Every row of the apps' own tables and of allauth's (e-mail addresses, MFA)."""

    return {
        model._meta.label: serializers.serialize("json", model._default_manager.order_by("pk"))
        for model in apps.get_models()
        if model._meta.app_label in STATE_APPS
    }


@pytest.fixture
def mid_quiz(programme_with_bank):
    """A prescriber who read the lessons but one and has a quiz attempt under way."""
    user = factories.PrescriberFactory()
    factories.read_all(user, programme_with_bank)
    attempt = quiz_services.attempt_start(user=user, programme=programme_with_bank)
    lesson = LessonPage.objects.child_of(programme_with_bank).first()
    LessonProgress.objects.filter(user=user, lesson_key=lesson.translation_key).delete()
    attestation = attested(programme_with_bank)  # someone else's, for the PDF and verify URLs
    return {
        "user": user,
        "attempt_id": str(attempt.pk),
        "slug": programme_with_bank.slug,
        "lesson_id": str(lesson.pk),
        "lesson_key": lesson.translation_key,
        "pk": str(attestation.pk),
        "code": attestation.verification_code,
        "pages": [programme_with_bank.url, lesson.url],
    }


@pytest.mark.parametrize("signed_in", [True, False], ids=["prescriber", "anonymous"])
def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(mid_quiz, signed_in):
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(mid_quiz["user"])
    urls = _site_urls(mid_quiz)
    assert len(urls) > 50  # the walk found the site
    before = _stored_state()
    wrong = []
    for url in urls:
        data = {"language": "en", "next": "/en/", "patient_reference": "P-1", "action": "submit"}
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
        want = 405 if url in CSRF_EXEMPT else 403
        if response.status_code != want:
            wrong.append(f"{url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert _stored_state() == before


def test_only_the_status_api_is_exempt_from_the_csrf_check(mid_quiz):

    exempt = set()
    for url in _site_urls(mid_quiz):
        with translation.override("en" if url.startswith("/en/") else "nb"):
            if getattr(resolve(url).func, "csrf_exempt", False):
                exempt.add(url)
    assert exempt == CSRF_EXEMPT


def test_with_the_token_the_same_post_goes_through(mid_quiz):
    """The refusals above are the CSRF check's: with the token, marking a lesson read works."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(mid_quiz["user"])
    lesson_url = mid_quiz["pages"][1]
    client.get(lesson_url)  # the lesson is delivered, with the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(f"/nb/lessons/{mid_quiz['lesson_id']}/read/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert LessonProgress.objects.filter(user=mid_quiz["user"], lesson_key=mid_quiz["lesson_key"]).exists()


# The API never answers without a valid token ------------------------------------------------------


def _api_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the API publishes, from its own OpenAPI schema."""
    schema = api.get_openapi_schema()
    return [(method, path) for path, operations in schema["paths"].items() for method in operations]


def test_every_api_operation_requires_the_token():
    operations = _api_operations()
    assert operations  # the schema lists the status endpoint
    schema = api.get_openapi_schema()
    for method, path in operations:
        assert schema["paths"][path][method].get("security") == [{"ApiTokenAuth": []}], (method, path)


@pytest.fixture
def api_tokens(db):
    live, live_raw = certificate_services.api_token_create(name="Apotek 1 Bergen")
    revoked, revoked_raw = certificate_services.api_token_create(name="Gammelt apotek")
    certificate_services.api_token_revoke(token=revoked, by=factories.ComplianceFactory())
    return {"live": live_raw, "revoked": revoked_raw}


def test_the_api_answers_401_to_anything_but_a_valid_bearer_token(client, programme, api_tokens):
    factories.PrescriberFactory(hpr_number="1234567")
    raw, revoked = api_tokens["live"], api_tokens["revoked"]
    query = f"?hpr=1234567&programme={programme.slug}"
    attempts = {
        "no token": {},
        "wrong token": {"HTTP_AUTHORIZATION": "Bearer " + raw[:-4] + "abcd"},
        "revoked token": {"HTTP_AUTHORIZATION": f"Bearer {revoked}"},
        "token without scheme": {"HTTP_AUTHORIZATION": raw},
        "other scheme": {"HTTP_AUTHORIZATION": f"Token {raw}"},
        "basic": {"HTTP_AUTHORIZATION": f"Basic {raw}"},
        "scheme glued to token": {"HTTP_AUTHORIZATION": f"Bearer{raw}"},
        "other header": {"HTTP_X_API_KEY": raw},
        "prefix only": {"HTTP_AUTHORIZATION": f"Bearer {raw[:8]}"},
    }
    for method, path in _api_operations():
        for label, headers in attempts.items():
            response = client.generic(method.upper(), path + query, **headers)
            assert response.status_code == 401, (path, label)
            assert response.json() == {"detail": response.json()["detail"]}  # nothing but the refusal
        in_query = client.generic(method.upper(), f"{path}{query}&token={raw}&access_token={raw}")
        assert in_query.status_code == 401, path
        # The control: the same request with the token answers.
        assert client.get(path + query, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


@pytest.mark.parametrize("make", [factories.ComplianceFactory, factories.PrescriberFactory])
def test_a_signed_in_session_is_no_substitute_for_the_token(client, programme, make):
    """Cookies are sent by browsers on their own: the API must not answer to them (which is also
    why it may be exempt from the CSRF check)."""
    client.force_login(make())
    for method, path in _api_operations():
        response = client.generic(method.upper(), f"{path}?hpr=1234567&programme={programme.slug}")
        assert response.status_code == 401, path
