"""The Lemtrada programme as ``load_programme`` installs it, for tests that only need it there.

Loading it takes 20 to 30 seconds (revisions, translations, the search index), and a dozen test
modules and browser tests need it. ``programme_install()`` runs the real command the first time
in a session and keeps a copy of every row the database then holds (Django's serialisation of the
models ``serialized_rollback`` copies, to Python values: JSON would round times to milliseconds).
Later calls that start from the same database put those rows back instead, in a few seconds.
"The same database" is checked, not assumed: every row must be what it was before the real load
(compared by a hash of them all), otherwise the command runs again.

Tests of the loader itself (a second load, changed files, the first publication) call the
command, not this.
"""

import hashlib

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

# Rows that migrations made and a load never changes: kept in place, so their cached ids stay true.
_KEPT = {"django_content_type", "auth_permission"}

# {(database vendor, a hash of every row before the load): the serialised database after it}
_copies: dict[tuple, list] = {}


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def database_rows() -> list[dict]:
    """Every row of every migrated model, in primary-key order, as Python values."""
    migrated = MigrationLoader(connection).migrated_apps
    models = [
        model
        for app_config in apps.get_app_configs()
        if app_config.models_module is not None and app_config.label in migrated
        for model in app_config.get_models()
        if model._meta.can_migrate(connection)
    ]
    return serializers.serialize(
        "python", (obj for model in models for obj in model._base_manager.order_by(model._meta.pk.name))
    )


def _restore(rows: list[dict]) -> None:
    with transaction.atomic():
        emptied = [table for table in _tables() if table not in _KEPT]
        with connection.cursor() as cursor:
            for sql in connection.ops.sql_flush(no_style(), emptied, allow_cascade=True):
                cursor.execute(sql)
        tables = set()
        with connection.constraint_checks_disabled():
            for obj in serializers.deserialize("python", rows):
                obj.save()
                tables.add(obj.object._meta.db_table)
        connection.check_constraints(table_names=sorted(tables))


def programme_install() -> None:
    """Leave the database as ``load_programme`` would from here (see the module's docstring)."""
    key = (connection.vendor, hashlib.sha256(repr(database_rows()).encode()).hexdigest())
    copy = _copies.get(key)
    if copy is None:
        call_command("load_programme", verbosity=0)
        _copies[key] = database_rows()
    else:
        _restore(copy)
