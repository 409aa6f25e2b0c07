"""Arbitrary data at the public inputs: never a 5xx, always a clear refusal, and nothing saved.

Hypothesis posts what a careless client, a broken integration or an attacker might send: text
with control characters and NULs, huge strings, numbers out of range, wrong types, missing and
repeated fields, unknown fields, and bodies that are not what their content type says. Every
example runs in its own transaction (``hypothesis.extra.django.TestCase``), with a fresh client
and an empty cache (so rate limits do not turn the properties into 429s).

What "a clear refusal" means, per input:

- **Sign-up** (allauth's form with our fields, ``/en/accounts/signup/``): the form again, 200,
  with at least one error message, shown in the page (Django's form convention). No user, no
  e-mail address, no audit event, no mail.
- **Quiz submit and "Save answers"** (the attempt page's form): 400, the attempt page again with
  the error message in it. The attempt stays in progress; no choice is stored, no question
  marked, no audit event, no attestation.
- **Quiz autosave** (the page's script, JSON): 400 with ``{"error": ..., "code": ...}``; nothing
  stored. (A well-formed body that answers nothing is a 200 that stores nothing.)
- **Treatment initiation** (with a valid attestation, so the input decides): 400, the form again
  with its error summary in the page. No initiation, no audit event.
- **Verify** by address (``/verify/<code>/``): 404 with the page saying the attestation is not
  known. By form (``/en/verify/``): 200 with the form's errors, or 404 "no attestation matches".
  Neither records a verification.
- **Status API**: 401 JSON without a valid token; 400 JSON ``{"detail", "errors": [...]}`` naming
  the parameters at fault; 405 for other methods. Only a 200 records a look-up.

Requests that Django itself refuses before any view runs (a multipart body it cannot parse,
too many fields) get its 400, which is a clear refusal too: the properties accept any 4xx for
malformed bodies, and check that nothing was saved whatever the status.
"""

import json
from urllib.parse import quote, urlencode

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.html import escape
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from audit.services import audit_trail
from certificates import services as certificate_services
from certificates.models import ApiToken, Attestation, TreatmentInitiation
from lms.identity import hpr_canonical
from lms.models import User
from quizzes import services as quiz_services
from quizzes.models import Attempt, AttemptChoice, AttemptQuestion
from tests import factories

# Reproducible in CI (no example database, the same examples every run) and quick. CI runs the
# suite on both databases side by side; PostgreSQL's run is the longer, so it tries fewer.
fuzz = settings(
    max_examples=20 if connection.vendor == "postgresql" else 40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# --- What gets sent -------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "\u202egnp.exe",
    "\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "１２３４５６７",
    "0",
    "-1",
    "on",
    "true",
    "null",
    "[]",
    "{}",
    "9" * 40,
]

numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
huge = st.builds(lambda text, n: (text or "x") * n, st.text(max_size=3), st.integers(1_000, 20_000))
text = st.text(max_size=80)  # any code point but surrogates: controls, NULs, combining marks, RTL
value = st.one_of(text, numbers, st.sampled_from(NASTY), huge)
# A list is the same field given several times.
field_value = st.one_of(value, st.lists(value, min_size=1, max_size=3))

CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/xml",
    "application/octet-stream",
    "multipart/form-data",  # no boundary
    "multipart/form-data; boundary=xyz",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "application/x-www-form-urlencoded; charset=utf-16",
    "",
]
raw_bodies = st.one_of(
    st.binary(max_size=300),
    text.map(lambda t: t.encode("utf-8")),
    st.sampled_from(
        [
            b'--xyz\r\nContent-Disposition: form-data; name="a\r\n\r\n',
            b"--xyz\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--xyz--",
            b"a=%zz&b=%ff%fe&c=%00&=&&=x",
            b'{"answers": ',
            b"[" * 5_000,
            b'{"answers": {}}',
            b"\xff\xfe\x00\x00",
        ]
    ),
)


def _json_containers(children):
    return st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["answers", "1", "q1"]) | text, children, max_size=3
    )


json_values = st.recursive(
    st.none() | st.booleans() | numbers.map(float) | text, _json_containers, max_leaves=12
)


def form_data(fields: list[str]) -> st.SearchStrategy[dict]:
    """A form: some of ``fields`` and some made-up names, each with any value (or several)."""
    names = st.one_of(st.sampled_from(fields), st.text(min_size=1, max_size=20))
    return st.dictionaries(names, field_value, max_size=len(fields) + 3)


def bodies(fields: list[str]) -> st.SearchStrategy[tuple]:
    """(kind, payload, content type): multipart or urlencoded forms, or raw bytes of any type."""
    return st.one_of(
        st.tuples(st.just("multipart"), form_data(fields), st.just(None)),
        st.tuples(st.just("urlencoded"), form_data(fields), st.just(None)),
        st.tuples(st.just("raw"), raw_bodies, st.sampled_from(CONTENT_TYPES)),
    )


def send(client, path, body, method="post"):
    kind, payload, content_type = body
    if kind == "multipart":
        return getattr(client, method)(path, payload)
    if kind == "urlencoded":
        return getattr(client, method)(
            path, urlencode(payload, doseq=True), content_type="application/x-www-form-urlencoded"
        )
    return client.generic(method.upper(), path, payload, content_type=content_type)


def last(value) -> str:
    """What Django reads from a field sent once or several times: the last value."""
    return value[-1] if isinstance(value, list) else value


def assert_no_server_error(response):
    assert response.status_code < 500, response.status_code
    event(f"status {response.status_code}")  # --hypothesis-show-statistics shows the mix


def assert_form_error_shown(response, form):
    """A 200 re-render counts as a clear refusal when the form has errors and the page shows them."""
    assert form.errors
    body = response.content.decode()
    messages = [str(m) for errors in form.errors.values() for m in errors]
    assert any(escape(m) in body for m in messages), messages


class Fuzz(TestCase):
    """Every example in a transaction of its own, with a fresh client and an empty cache."""

    def setup_example(self):
        super().setup_example()
        cache.clear()
        mail.outbox = []

    def counts(self) -> dict:
        return {
            "users": User.objects.count(),
            "addresses": EmailAddress.objects.count(),
            "audit": audit_trail().count(),  # queued events (API lookups) chained first
            "attempts": Attempt.objects.count(),
            "attempts_open": Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).count(),
            "choices": AttemptChoice.objects.count(),
            "marked": AttemptQuestion.objects.filter(is_correct__isnull=False).count(),
            "attestations": Attestation.objects.count(),
            "initiations": TreatmentInitiation.objects.count(),
        }


def _pass_quiz(user, programme):
    factories.read_all(user, programme)
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


def _programme_with_bank():
    page = factories.programme(questions_per_topic=2)
    factories.question_bank(page, topics=3, per_topic=3)
    return page


# --- Sign-up --------------------------------------------------------------------------------

SIGNUP = "/en/accounts/signup/"
SIGNUP_VALID = factories.SIGNUP_FORM
SIGNUP_FIELDS = list(SIGNUP_VALID)

not_digits = st.text(min_size=1, max_size=20).filter(
    lambda t: any(not ("0" <= c <= "9") and not c.isspace() for c in t)
)
SIGNUP_BREAKERS = {
    # Each makes the sign-up invalid whatever the other fields hold.
    "full_name": st.one_of(
        st.just(None), st.text(alphabet=" \t\r\n\u00a0\u2003", max_size=5), st.just("a" * 201)
    ),
    "email": st.one_of(st.just(None), st.text(max_size=40).filter(lambda t: "@" not in t)),
    "hpr_number": st.one_of(
        st.just(None),
        not_digits,
        st.sampled_from(["0000000", "123456", "1234567890", "0", "00000001234"]),
    ),
    "profession": st.one_of(st.just(None), text.filter(lambda t: t not in ("physician", "other"))),
    "workplace": st.one_of(st.just(None), st.text(alphabet=" \t", max_size=3), st.just("w" * 201)),
    "password2": st.just("Noe-helt-annet-2026"),
}


class SignUpFuzz(Fuzz):
    @classmethod
    def setUpTestData(cls):
        # An address in use: allauth answers it as if it were free (no enumeration), creating nothing.
        factories.PrescriberFactory(email="taken@example.org")

    def _assert_refused_and_nothing_saved(self, response, before):
        assert_no_server_error(response)
        if response.status_code == 200:
            assert_form_error_shown(response, response.context["form"])
        else:
            assert 400 <= response.status_code < 500, response.status_code
        assert self.counts() == before
        assert mail.outbox == []

    @fuzz
    @given(
        start=st.sampled_from([{}, SIGNUP_VALID, {**SIGNUP_VALID, "email": "taken@example.org"}]),
        body=bodies(SIGNUP_FIELDS),
    )
    def test_arbitrary_sign_up_data_never_fails_and_saves_only_a_complete_sign_up(self, start, body):
        kind, payload, content_type = body
        if kind != "raw":  # arbitrary changes to nothing, to a valid sign-up, or to one of a taken address
            payload = {**start, **payload}
        before = self.counts()
        response = send(self.client, SIGNUP, (kind, payload, content_type))
        assert_no_server_error(response)
        if response.status_code == 302:
            # Only a valid sign-up gets here: one account with the address typed, or none when the
            # address is taken (allauth then mails its owner instead, telling nobody else).
            email = last(payload["email"]).strip().lower()
            created = User.objects.count() - before["users"]
            if created:
                assert created == 1
                assert User.objects.latest("date_joined").email.lower() == email
            else:
                assert email == "taken@example.org"
                assert self.counts() == before
        else:
            self._assert_refused_and_nothing_saved(response, before)

    @fuzz
    @given(
        base=form_data(SIGNUP_FIELDS),
        broken=st.sampled_from(sorted(SIGNUP_BREAKERS)).flatmap(
            lambda name: st.tuples(st.just(name), SIGNUP_BREAKERS[name])
        ),
        encoding=st.sampled_from(["multipart", "urlencoded"]),
    )
    def test_an_invalid_sign_up_shows_the_form_with_its_error_and_saves_nothing(self, base, broken, encoding):
        data = {**SIGNUP_VALID, **{k: v for k, v in base.items() if k not in SIGNUP_VALID}}
        name, bad = broken
        if bad is None:
            data.pop(name)
        else:
            data[name] = bad
        before = self.counts()
        response = send(self.client, SIGNUP, (encoding, data, None))
        assert response.status_code == 200
        self._assert_refused_and_nothing_saved(response, before)


# --- Quiz -----------------------------------------------------------------------------------


class QuizFuzz(Fuzz):
    @classmethod
    def setUpTestData(cls):
        cls.programme = _programme_with_bank()
        cls.prescriber = factories.PrescriberFactory()
        factories.read_all(cls.prescriber, cls.programme)
        cls.attempt = quiz_services.attempt_start(user=cls.prescriber, programme=cls.programme)
        cls.items = [
            (str(item.pk), [o["token"] for o in item.options])
            for item in cls.attempt.items.order_by("position")
        ]

    def setup_example(self):
        super().setup_example()
        self.client.force_login(self.prescriber)

    @property
    def url(self):
        return f"/en/quiz/attempt/{self.attempt.pk}/"

    def _assert_nothing_saved(self, before):
        assert self.counts() == before
        attempt = Attempt.objects.get(pk=self.attempt.pk)
        assert attempt.status == Attempt.Status.IN_PROGRESS
        assert attempt.ended_at is None

    def _draw_answers(self, data) -> dict:
        """Form fields for the attempt that cannot be submitted or saved: each question answered
        rightly, wrongly, twice, with junk or not at all, and at least one answer that is foreign."""
        tokens = {t for _pk, item_tokens in self.items for t in item_tokens}
        junk = value.filter(lambda v: v not in tokens)
        form = {}
        for pk, item_tokens in self.items:
            how = data.draw(st.sampled_from(["omit", "one", "two", "junk"]), label=f"item {pk}")
            if how == "one":
                form[f"q{pk}"] = [data.draw(st.sampled_from(item_tokens))]
            elif how == "two":
                form[f"q{pk}"] = item_tokens[:2]
            elif how == "junk":
                form[f"q{pk}"] = data.draw(st.lists(junk, min_size=1, max_size=2))
        ids = {pk for pk, _tokens in self.items}
        poison = data.draw(st.sampled_from(["junk token", "foreign question", "two for one"]), label="poison")
        pk, item_tokens = data.draw(st.sampled_from(self.items), label="poisoned item")
        if poison == "junk token":
            form[f"q{pk}"] = [*form.get(f"q{pk}", []), data.draw(junk)]
        elif poison == "foreign question":
            form[f"q{data.draw(text.filter(lambda t: t not in ids))}"] = [
                data.draw(st.sampled_from(item_tokens))
            ]
        else:
            form[f"q{pk}"] = item_tokens[:2]  # every question here takes exactly one answer
        extra = data.draw(form_data(["action", "csrfmiddlewaretoken"]), label="other fields")
        return {**{k: v for k, v in extra.items() if not k.startswith("q")}, **form}

    @fuzz
    @given(data=st.data(), encoding=st.sampled_from(["multipart", "urlencoded"]))
    def test_answers_that_do_not_fit_the_attempt_are_refused_with_a_400_and_nothing_saved(
        self, data, encoding
    ):
        form = self._draw_answers(data)
        before = self.counts()
        response = send(self.client, self.url, (encoding, form, None))
        assert response.status_code == 400, response.status_code
        error = response.context["error"]
        assert error
        assert escape(error) in response.content.decode()
        self._assert_nothing_saved(before)

    @fuzz
    @given(body=bodies(["action", "q1", "q"]))
    def test_arbitrary_bodies_posted_to_an_attempt_never_fail_and_save_nothing(self, body):
        before = self.counts()
        response = send(self.client, self.url, body)
        assert_no_server_error(response)
        assert 400 <= response.status_code < 500, response.status_code
        self._assert_nothing_saved(before)

    @fuzz
    @given(
        body=st.one_of(
            json_values.map(lambda v: json.dumps(v).encode()),
            raw_bodies,
        ),
        content_type=st.sampled_from(["application/json", *CONTENT_TYPES]),
    )
    def test_arbitrary_autosave_bodies_never_fail_and_save_nothing(self, body, content_type):
        before = self.counts()
        response = self.client.generic(
            "POST", f"/en/quiz/attempt/{self.attempt.pk}/save/", body, content_type=content_type
        )
        assert_no_server_error(response)
        payload = response.json()
        if response.status_code == 200:  # e.g. {"answers": {}}: a save of nothing
            assert payload["answered"] == 0
        else:
            assert response.status_code == 400, response.status_code
            assert payload["error"]
            assert payload["code"] in {"malformed", "foreign_question", "foreign_option", "one_answer"}
        self._assert_nothing_saved(before)


# --- Treatment initiation -------------------------------------------------------------------

CONFIRMATIONS = list(certificate_services.TREATMENT_CONFIRMATIONS)
TREATMENT_VALID = {
    "patient_reference": "PAS-0042",
    "indication_basis": "inadequate_response",
    **dict.fromkeys(CONFIRMATIONS, "on"),
}
TREATMENT_FIELDS = list(TREATMENT_VALID)
TREATMENT_BREAKERS = {
    "patient_reference": st.one_of(
        st.just(None),
        st.text(alphabet=" \t\r\n", max_size=4),
        st.text(min_size=41, max_size=80).filter(lambda t: len(t.strip()) > 40),
        st.sampled_from(["01019012345", "010190 12345", "01.01.90-12345", "O1O19O12345", "a\x00b"]),
        st.integers(min_value=10**10, max_value=10**15).map(str),
    ),
    "indication_basis": st.one_of(
        st.just(None), text.filter(lambda t: t not in ("inadequate_response", "other_dmt_unsuitable"))
    ),
    **{
        # Unticked: not sent, or sent empty or "false" (a checkbox counts any other value as ticked).
        key: st.one_of(st.just(None), st.sampled_from(["", "false", "False"]))
        for key in CONFIRMATIONS
    },
}


class TreatmentFuzz(Fuzz):
    @classmethod
    def setUpTestData(cls):
        cls.programme = _programme_with_bank()
        en = factories.programme(code="en", source=cls.programme)
        cls.url = f"/en/treatment/{en.slug}/"
        cls.prescriber = factories.PrescriberFactory()
        cls.attestation = _pass_quiz(cls.prescriber, cls.programme)

    def setup_example(self):
        super().setup_example()
        self.client.force_login(self.prescriber)

    @fuzz
    @given(
        base=form_data(TREATMENT_FIELDS),
        broken=st.lists(
            st.sampled_from(sorted(TREATMENT_BREAKERS)).flatmap(
                lambda name: st.tuples(st.just(name), TREATMENT_BREAKERS[name])
            ),
            min_size=1,
            max_size=3,
        ),
        encoding=st.sampled_from(["multipart", "urlencoded"]),
    )
    def test_incomplete_or_forbidden_input_is_refused_with_a_400_and_nothing_stored(
        self, base, broken, encoding
    ):
        data = {**TREATMENT_VALID, **{k: v for k, v in base.items() if k not in TREATMENT_VALID}}
        for name, bad in broken:
            if bad is None:
                data.pop(name, None)
            else:
                data[name] = bad
        before = self.counts()
        response = send(self.client, self.url, (encoding, data, None))
        assert response.status_code == 400, response.status_code
        form = response.context["form"]
        assert form.errors
        body = response.content.decode()
        summary = form.error_summary()
        assert summary
        assert all(escape(message) in body for _field, message in summary)
        assert self.counts() == before

    @fuzz
    @given(start=st.sampled_from([{}, TREATMENT_VALID]), body=bodies(TREATMENT_FIELDS))
    def test_arbitrary_treatment_data_never_fails_and_records_only_complete_input(self, start, body):
        kind, payload, content_type = body
        if kind != "raw":  # arbitrary changes to nothing or to a complete form
            body = (kind, {**start, **payload}, content_type)
        before = self.counts()
        response = send(self.client, self.url, body)
        assert_no_server_error(response)
        after = self.counts()
        if response.status_code == 302:
            assert after["initiations"] == before["initiations"] + 1
            initiation = TreatmentInitiation.objects.latest("pk")
            assert initiation.outcome == TreatmentInitiation.Outcome.RECORDED
            assert initiation.patient_reference == last(body[1]["patient_reference"]).strip()
        else:
            assert 400 <= response.status_code < 500, response.status_code
            assert after == before

    @fuzz
    @given(recorded=field_value)
    def test_any_recorded_parameter_shows_the_form_page(self, recorded):
        response = self.client.get(self.url, {"recorded": recorded})
        assert response.status_code == 200
        assert response.context["form"] is not None


# --- Verify ---------------------------------------------------------------------------------


class VerifyFuzz(Fuzz):
    @classmethod
    def setUpTestData(cls):
        cls.attestation = _pass_quiz(factories.PrescriberFactory(), _programme_with_bank())

    def _codes(self):
        real = self.attestation.verification_code
        return st.one_of(
            value,
            st.sampled_from([real.upper(), real + "\x00", "\x00" + real, real[:-1], real + " ", real * 3]),
        ).filter(lambda c: c and "/" not in c and c != real)

    @fuzz
    @given(data=st.data(), prefix=st.sampled_from(["", "/en", "/nb"]))
    def test_an_unknown_code_gets_the_not_known_page_and_records_nothing(self, data, prefix):
        code = data.draw(self._codes(), label="code")
        assume(code not in (".", ".."))  # a path segment, not a code
        before = self.counts()
        # Without a language prefix (the QR's address), Django's LocaleMiddleware answers a 404 with a
        # redirect to the same address under /nb/ (a 400 when that address would be too long for it).
        path = f"{prefix}/verify/{quote(code, safe='')}/"
        response = self.client.get(path, follow=not prefix)
        if response.status_code == 400:
            assert not prefix and len(path) > 16_000, response.status_code
        else:
            assert response.status_code == 404, response.status_code
            assert "certificates/verify_unknown.html" in [t.name for t in response.templates]
        assert self.counts() == before

    @fuzz
    @given(body=bodies(["serial", "code"]), with_serial=st.booleans())
    def test_arbitrary_data_in_the_verify_form_never_fails_and_records_nothing(self, body, with_serial):
        kind, payload, content_type = body
        if with_serial and kind != "raw":  # the real serial with a wrong code
            payload = {**payload, "serial": self.attestation.serial}
            assume(payload.get("code") != self.attestation.verification_code)
        before = self.counts()
        response = send(self.client, "/en/verify/", (kind, payload, content_type))
        assert_no_server_error(response)
        if response.status_code == 200:
            assert_form_error_shown(response, response.context["form"])
        elif response.status_code == 404:
            assert "No attestation matches this serial and code." in response.content.decode()
        else:
            assert 400 <= response.status_code < 500, response.status_code
        assert self.counts() == before


# --- Status API -----------------------------------------------------------------------------

API = "/api/v1/attestations/status"


def _valid_hpr(value) -> str | None:
    try:
        return hpr_canonical(value)
    except ValidationError:
        return None


class ApiFuzz(Fuzz):
    @classmethod
    def setUpTestData(cls):
        cls.programme = _programme_with_bank()
        cls.prescriber = factories.PrescriberFactory(hpr_number="7654321")
        cls.attestation = _pass_quiz(cls.prescriber, cls.programme)
        cls.token, cls.raw_token = certificate_services.api_token_create(name="Apotek")

    def _get(self, query, **extra):
        return self.client.get(API, query, HTTP_AUTHORIZATION=f"Bearer {self.raw_token}", **extra)

    def _assert_parameter_errors(self, response):
        assert response.status_code == 400, response.status_code
        payload = response.json()
        assert payload["detail"]
        assert payload["errors"]
        for error in payload["errors"]:
            assert error["parameter"] and error["code"] and error["message"]
        return payload["errors"]

    @fuzz
    @given(
        start=st.sampled_from([{}, {"hpr": "7654321", "programme": "testmed"}]),
        query=st.dictionaries(
            st.one_of(st.sampled_from(["hpr", "programme"]), st.text(max_size=10)),
            st.one_of(
                value, st.sampled_from(["7654321", "0 7654321", "testmed"]), st.lists(value, max_size=3)
            ),
            max_size=4,
        ),
    )
    def test_arbitrary_parameters_get_a_status_or_a_400_naming_the_parameter(self, start, query):
        query = {**start, **query}
        before = self.counts()
        response = self._get(query)
        assert_no_server_error(response)
        # Sent once (a one-item list is sent once too); an empty list is not sent at all.
        hpr, programme = (
            [v] if isinstance(v, str) else v for v in (query.get("hpr", []), query.get("programme", []))
        )
        well_formed = (
            len(hpr) == 1
            and _valid_hpr(hpr[0]) is not None
            and len(programme) == 1
            and programme[0] == self.programme.slug
        )
        if well_formed:
            assert response.status_code == 200, response.content
            assert response.json()["hpr"] == _valid_hpr(hpr[0])
            assert audit_trail().count() == before["audit"] + 1
        else:
            errors = self._assert_parameter_errors(response)
            assert {e["parameter"] for e in errors} <= {"hpr", "programme"}
            assert self.counts() == before

    @fuzz
    @given(hpr=value.filter(lambda v: _valid_hpr(v) is None))
    def test_a_malformed_hpr_number_gets_a_400_naming_it(self, hpr):
        before = self.counts()
        response = self._get({"hpr": hpr, "programme": self.programme.slug})
        errors = self._assert_parameter_errors(response)
        assert [e["parameter"] for e in errors] == ["hpr"]
        assert self.counts() == before

    @fuzz
    @given(
        query=st.text(max_size=120) | st.sampled_from(["hpr=%zz&programme=%ff", "hpr&programme", "%00=%00"])
    )
    def test_a_raw_query_string_never_fails(self, query):
        before = self.counts()
        response = self.client.get(f"{API}?{query}", HTTP_AUTHORIZATION=f"Bearer {self.raw_token}")
        assert_no_server_error(response)
        if response.status_code != 200:
            self._assert_parameter_errors(response)
            assert self.counts() == before

    @fuzz
    @given(
        header=st.one_of(
            value,
            value.map(lambda v: f"Bearer {v}"),
            st.sampled_from(["Bearer", "Bearer ", "Basic dXNlcjpwdw=="]),
        ),
    )
    def test_without_a_valid_token_every_request_gets_a_401_and_nothing_is_recorded(self, header):
        assume(header.strip() != f"Bearer {self.raw_token}")
        before = self.counts()
        response = self.client.get(
            API, {"hpr": "7654321", "programme": self.programme.slug}, HTTP_AUTHORIZATION=header
        )
        assert response.status_code == 401, response.status_code
        assert response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert self.counts() == before
        assert ApiToken.objects.get(pk=self.token.pk).last_used_at is None

    @fuzz
    @given(
        method=st.sampled_from(["post", "put", "patch", "delete"]),
        body=bodies(["hpr", "programme"]),
    )
    def test_other_methods_with_any_body_are_refused_and_record_nothing(self, method, body):
        before = self.counts()
        response = send(self.client, API, body, method=method)
        assert response.status_code == 405, response.status_code
        assert self.counts() == before


# --- Regressions found by the properties above ----------------------------------------------


@pytest.mark.django_db
def test_autosave_of_json_nested_too_deep_is_a_malformed_400_and_saves_nothing(
    client, ready_prescriber, programme_with_bank
):
    attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    client.force_login(ready_prescriber)
    response = client.post(
        f"/en/quiz/attempt/{attempt.pk}/save/", b"[" * 5_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert not AttemptChoice.objects.filter(item__attempt=attempt).exists()


@pytest.mark.django_db
def test_an_empty_post_to_the_verify_form_says_which_fields_are_missing(client):
    response = client.post("/en/verify/", {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"serial", "code"}
    assert "This field is required." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/verify/%00/", "/en/verify/%00/", "/en/verify/abc%00def/"])
def test_a_verification_code_with_a_nul_is_not_known(client, path):
    # PostgreSQL refuses a NUL in a query: this was a 500 there.
    response = client.get(path, follow=True)
    assert response.status_code == 404
    assert "certificates/verify_unknown.html" in [t.name for t in response.templates]
