"""The project's URLs plus two reference views for ``benchmarks/status_api.py``:

- ``/bench/bare-json/``: the least a JSON answer from this Django costs;
- ``/bench/audit-json/``: the same answer after recording the ``attestation.looked_up`` event the
  status API records for every lookup (``certificates.services.attestation_lookup_record``, one
  insert), and nothing else: the most any status answer that is audited could achieve.

Only ``benchmarks/bench_settings.py`` uses this URLconf, so these views never ship in the product.
They run through the project's whole middleware stack, like the status API, marked non-atomic as
the API is (``ATOMIC_REQUESTS`` would otherwise open a transaction for them).
"""

from django.db import transaction
from django.http import JsonResponse
from django.urls import path

from certificates.services import attestation_lookup_record
from lms.urls import urlpatterns as project_urlpatterns

REPLY = {"hpr": "1234567", "programme": "lemtrada", "status": "valid", "valid_until": None, "serial": None}


def _reply():
    response = JsonResponse(REPLY)
    response["Cache-Control"] = "no-store"
    return response


@transaction.non_atomic_requests
def bare_json(request):
    return _reply()


@transaction.non_atomic_requests
def audit_json(request):
    attestation_lookup_record(payload={"token": "benchmark", **REPLY})
    return _reply()


urlpatterns = [
    path("bench/bare-json/", bare_json),
    path("bench/audit-json/", audit_json),
    *project_urlpatterns,
]
