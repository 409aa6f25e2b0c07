"""The project's URLs plus ``/bench/bare-json/``: the least a JSON answer from this Django costs.

Only ``benchmarks/bench_settings.py`` uses this URLconf, so the bare view never ships in the product.
The view runs through the project's whole middleware stack, like the status API; it reads no
database, so it is marked non-atomic (``ATOMIC_REQUESTS`` would otherwise open a connection and a
transaction for it).
"""

from django.db import transaction
from django.http import JsonResponse
from django.urls import path

from lms.urls import urlpatterns as project_urlpatterns


@transaction.non_atomic_requests
def bare_json(request):
    response = JsonResponse(
        {"hpr": "1234567", "programme": "lemtrada", "status": "valid", "valid_until": None, "serial": None}
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [path("bench/bare-json/", bare_json), *project_urlpatterns]
