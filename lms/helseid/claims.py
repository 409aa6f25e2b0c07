"""The HelseID claims this project reads, and the ones it must never keep."""

import copy

from django.core.exceptions import ValidationError

from lms.identity import hpr_canonical
from lms.validators import refused_characters

HPR_NUMBER_CLAIM = "helseid://claims/hpr/hpr_number"
HPR_NUMBER_SCOPE = "helseid://scopes/hpr/hpr_number"
# The national identity number (fødselsnummer/d-nummer). We do not ask for it (no
# helseid://scopes/identity/pid scope), and if it comes anyway it is dropped before allauth
# keeps anything (SocialAccount.extra_data, the pending sign-up in the session).
PID_CLAIMS = frozenset({"helseid://claims/identity/pid", "pid"})


def without_pid(data):
    """A deep copy of ``data`` with every national identity number claim removed, at any depth."""
    if isinstance(data, dict):
        return {key: without_pid(value) for key, value in data.items() if key not in PID_CLAIMS}
    if isinstance(data, list):
        return [without_pid(value) for value in data]
    return copy.deepcopy(data)


def id_token_claims(extra_data) -> dict:
    """The verified ID token claims allauth keeps for a HelseID account."""
    if isinstance(extra_data, dict) and isinstance(extra_data.get("id_token"), dict):
        return extra_data["id_token"]
    return {}


def hpr_number_from(extra_data) -> str | None:
    """The canonical HPR number from a HelseID sign-in, or None when there is no usable one."""
    value = id_token_claims(extra_data).get(HPR_NUMBER_CLAIM)
    if isinstance(value, list):  # a claim may be sent as an array; one person has one number
        value = value[0] if len(value) == 1 else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    try:
        return hpr_canonical(value)
    except ValidationError:
        return None


def full_name_from(extra_data) -> str:
    claims = id_token_claims(extra_data)
    parts = (claims.get("given_name"), claims.get("middle_name"), claims.get("family_name"))
    name = claims.get("name") or " ".join(part for part in parts if part)
    # Control and text-direction characters are refused when people type a name; from HelseID
    # they are dropped (lms.validators), so the name shows everywhere as it is.
    name = "".join(c for c in str(name or "") if not refused_characters(c))
    return " ".join(name.split())
