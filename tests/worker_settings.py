"""Test settings with the database task backend, for a real ``manage.py db_worker`` process
(tests/test_worker_fault.py): the test settings run tasks at once, in the caller's process."""

from lms.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
