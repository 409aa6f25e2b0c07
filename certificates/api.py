"""The attestation status API for pharmacy and hospital systems (django-ninja).

``GET /api/v1/attestations/status?hpr=<number>&programme=<slug>`` with
``Authorization: Bearer <token>`` answers whether the prescriber may initiate treatment
under the programme. The answer is ``selectors.attestation_status_for_hpr``: this module
only checks the token and the parameters and shapes the reply.
"""

import re
from datetime import date
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from courses.selectors import programme_key_for_slug
from lms.identity import hpr_canonical

from . import selectors, services

# 7 to 9 significant ASCII digits, leading zeros and spaces allowed (lms.identity.hpr_canonical).
HPR_PATTERN = r"^\s*(?:0\s*){0,5}[1-9]\s*(?:[0-9]\s*){6,8}$"
SLUG_PATTERN = r"^[-\w]{1,255}$"
_SLUG = re.compile(r"[-\w]{1,255}")  # Wagtail slugs: letters, digits, "-" and "_"

DESCRIPTION = """
Whether a prescriber holds a valid attestation for a programme: the one answer to
"may this prescriber initiate treatment?".

Every call needs a token issued by a Compliance officer (Wagtail admin, *API tokens*),
sent as `Authorization: Bearer <token>`. A missing, wrong or revoked token gets 401.

Errors are JSON with a `detail` text. Malformed or missing parameters get 400 with an
`errors` list naming each parameter; a `programme` that names no published programme is
also a 400 (code `unknown_programme`), because the parameter, not the address, is wrong.
A prescriber this service does not know is not an error: the status is `none`.

HPR numbers are read as people write them: spaces are ignored and leading zeros do not make
another number, so `01234567`, `123 4567` and `1234567` are the same prescriber. The reply's
`hpr` is the number in that one form (digits, no leading zero).

`identity_unverified` means the prescriber passed and holds an attestation that would be
valid, but nobody has yet confirmed that the HPR number belongs to the person who registered
it (HelseID sign-in, or a Compliance officer checking the HPR register). It is not a yes:
treat it like any status other than `valid`. It becomes `valid` by itself once the number is
confirmed.
"""


class StatusParser(Parser):
    """Like ninja's parser, but a parameter given twice stays a list, so validation refuses it
    instead of silently taking the last value."""

    def parse_querydict(self, data, list_fields, request):
        result = {}
        for key in data:
            values = data.getlist(key)
            result[key] = values if key in list_fields or len(values) > 1 else values[-1]
        return result


api = NinjaAPI(
    title="Attestation status API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    parser=StatusParser(),
)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = selectors.api_token_authenticate(raw=token.strip())
        if api_token is None:
            return None
        services.api_token_mark_used(token=api_token)
        return api_token


def _given_once(value: Any) -> Any:
    if isinstance(value, list):
        raise PydanticCustomError("repeated", "Give this parameter once.")
    return value


def _hpr(value: str) -> str:
    """The canonical number (``lms.identity.hpr_canonical``, the one rule for HPR numbers)."""
    try:
        return hpr_canonical(value)
    except DjangoValidationError:
        raise PydanticCustomError(
            "invalid_hpr",
            "An HPR number is 7 to 9 digits (0-9) without its leading zeros; spaces are ignored.",
        ) from None


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise PydanticCustomError(
            "invalid_slug", "A programme slug is 1 to 255 letters, digits, hyphens or underscores."
        )
    return value


Hpr = Annotated[
    str,
    BeforeValidator(_given_once),
    AfterValidator(_hpr),
    WithJsonSchema({"type": "string", "pattern": HPR_PATTERN, "examples": ["1234567", "01234567"]}),
]
Slug = Annotated[
    str,
    BeforeValidator(_given_once),
    AfterValidator(_slug),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "examples": ["lemtrada"]}),
]


class StatusQuery(Schema):
    hpr: Hpr = Field(
        description=(
            "The prescriber's HPR number (Helsepersonellregisteret): 7 to 9 digits. Spaces are "
            "ignored and leading zeros do not matter (`01234567` is `1234567`)."
        )
    )
    programme: Slug = Field(description="The programme's slug, as in its address (e.g. `lemtrada`).")


class AttestationStatusOut(Schema):
    hpr: str = Field(
        description="The HPR number asked about, in its one stored form: digits, no spaces, no leading zero."
    )
    programme: str = Field(description="The programme slug asked about.")
    status: Literal[selectors.STATUSES] = Field(
        description=(
            "`valid`: may initiate treatment. `identity_unverified`: the attestation would be valid, "
            "but the prescriber's HPR number has not yet been confirmed as theirs: may not initiate "
            "treatment yet. `expired`: past its valid-until date. "
            "`revoked`: withdrawn by the programme owner. `renewal_required`: the programme "
            "changed materially and the prescriber must renew. `none`: no attestation "
            "(also for an HPR number this service does not know)."
        )
    )
    valid_until: date | None = Field(
        description=(
            "Last day the attestation is (or was) valid: its end date, or earlier when it was revoked "
            "or must be renewed after a material change to the programme; null when there is none."
        )
    )
    serial: str | None = Field(description="The attestation's serial, e.g. LEM-2026-000123; null when none.")


class ErrorOut(Schema):
    detail: str


class ParameterError(Schema):
    parameter: str = Field(description="The query parameter at fault.")
    code: str = Field(
        description="e.g. `missing`, `invalid_hpr`, `invalid_slug`, `repeated`, `unknown_programme`."
    )
    message: str


class ParameterErrorsOut(Schema):
    detail: str
    errors: list[ParameterError]


def _bad_request(request: HttpRequest, errors: list[dict]) -> HttpResponse:
    return api.create_response(request, {"detail": "Invalid query parameters.", "errors": errors}, status=400)


@api.exception_handler(ValidationError)
def parameters_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """400, not ninja's 422, with one entry per parameter at fault."""
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        parameter = location[-1] if location else ""
        code = error.get("type", "invalid")
        message = "This parameter is required." if code == "missing" else str(error.get("msg", ""))
        errors.append({"parameter": parameter, "code": code, "message": message})
    return _bad_request(request, errors)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "A valid API token is required (Authorization: Bearer <token>)."}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="attestations"'
    return response


@api.get(
    "/attestations/status",
    auth=ApiTokenAuth(),
    response={200: AttestationStatusOut, 400: ParameterErrorsOut, 401: ErrorOut},
    summary="Attestation status of a prescriber",
    operation_id="attestation_status",
    tags=["attestations"],
)
def attestation_status(request: HttpRequest, response: HttpResponse, query: Query[StatusQuery]):
    """May this prescriber initiate treatment under this programme? `valid` is the only yes."""
    response["Cache-Control"] = "no-store"
    programme_key = programme_key_for_slug(slug=query.programme)
    if programme_key is None:
        return _bad_request(
            request,
            [
                {
                    "parameter": "programme",
                    "code": "unknown_programme",
                    "message": "No published programme has this slug.",
                }
            ],
        )
    # ``query.hpr`` is already canonical (``_hpr``); the selector canonicalises again for other callers.
    status = selectors.attestation_status_for_hpr(hpr_number=query.hpr, programme_key=programme_key)
    services.attestation_lookup_record(
        attestation=status.attestation,
        payload={
            "token": request.auth.name,
            "hpr": query.hpr,
            "programme": query.programme,
            "status": status.code,
        },
    )
    return {
        "hpr": query.hpr,
        "programme": query.programme,
        "status": status.code,
        "valid_until": status.valid_through,
        "serial": status.attestation.serial if status.attestation else None,
    }


def urls():
    """The API's URL patterns, outside the request-wide transaction (``ATOMIC_REQUESTS``): a
    status call only reads, then queues its ``attestation.looked_up`` event in one insert
    (``services.attestation_lookup_record``); a transaction around it would only cost two more
    round trips."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        transaction.non_atomic_requests(pattern.callback)
    return patterns, app_name, namespace
