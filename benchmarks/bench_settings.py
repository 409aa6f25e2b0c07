"""Settings for serving the project in a benchmark: the test settings plus ``bench_urls``.

Never used by the product: only ``benchmarks/status_api.py`` points gunicorn at it.
"""

from lms.settings.test import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
