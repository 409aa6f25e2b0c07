"""Two gunicorn instances on one PostgreSQL and one Redis, under a race and a crowd.

Runs ``benchmarks/cluster_pg_redis.py``'s own functions: a throw-away database on the PostgreSQL
server of ``DATABASE_URL`` (not the test database: the instances are separate processes), a private
``redis-server``, two instances of several workers each. Skipped on SQLite and without
redis-server, unless ``REQUIRE_CLUSTER=1`` (CI's PostgreSQL run), which makes either a failure.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest
import requests
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import cluster_pg_redis  # noqa: E402 - found through the line above

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SUBMISSIONS = 50
LEARNERS = 200
LESSONS_EACH = 2  # 200 learners x 2 lessons x (open + mark read) = 800 requests


def _missing() -> str | None:
    if connection.vendor != "postgresql":
        return "the cluster runs on PostgreSQL: set DATABASE_URL to a PostgreSQL server"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return None


@pytest.fixture(scope="module")
def running_cluster():
    missing = _missing()
    if missing is not None:
        if os.environ.get("REQUIRE_CLUSTER") == "1":
            pytest.fail(f"REQUIRE_CLUSTER=1 but {missing}")
        pytest.skip(missing)
    with cluster_pg_redis.cluster(learners=LEARNERS, database_url=os.environ["DATABASE_URL"]) as running:
        yield running


def test_fifty_concurrent_passing_submissions_across_both_instances_issue_exactly_one_attestation(
    running_cluster,
):
    result = cluster_pg_redis.pass_race(running_cluster, submissions=SUBMISSIONS)

    assert len(result.attempts_started) == 1, result.attempts_started
    assert result.starts.server_errors == 0, result.starts.statuses
    assert len(result.submissions.answered) == SUBMISSIONS
    assert result.submissions.server_errors == 0, result.submissions.statuses
    assert result.outcome["passed"] == 1
    assert result.outcome["attestations"] == 1
    assert result.outcome["status"] == "valid"


def test_two_hundred_learners_reading_and_marking_lessons_across_both_instances_get_no_5xx(running_cluster):
    result = cluster_pg_redis.learners_crowd(running_cluster, lessons=LESSONS_EACH)

    assert len(running_cluster.prepared["sessions"]) == LEARNERS
    assert len(result.requests.answered) == result.expected == LEARNERS * LESSONS_EACH * 2
    assert result.requests.server_errors == 0, result.requests.statuses
    assert cluster_pg_redis.crowd_ok(result)


def test_each_instance_keeps_its_cache_in_the_shared_redis(running_cluster):
    import redis

    shared = redis.Redis.from_url(running_cluster.redis_url)
    lesson = running_cluster.prepared["lessons"][0]
    for base in running_cluster.bases:
        shared.flushdb()
        with requests.Session() as http:
            http.cookies.set("sessionid", running_cluster.prepared["sessions"][0])
            assert http.get(base + lesson, timeout=60).status_code == 200

        assert shared.dbsize() > 0, f"{base} wrote nothing to Redis"
