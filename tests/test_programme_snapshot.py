"""The copy of the loaded programme that test modules share (``tests.programme_snapshot``): put back,
it is the database the load left, row for row, every table the load fills is in it, and the loader
itself finds nothing to change in it."""

import io

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from courses.models import LessonPage, ProgrammePage
from tests.programme_snapshot import database_rows, programme_install


def _replayed():
    """Install once (really, or from the copy), roll it back, and install again: from the copy."""
    with transaction.atomic():
        programme_install()
        loaded = database_rows()
        transaction.set_rollback(True)
    assert not ProgrammePage.objects.exists()
    programme_install()
    return loaded


def test_the_copy_put_back_is_the_loaded_database_row_for_row(db):
    loaded = _replayed()
    assert database_rows() == loaded
    assert ProgrammePage.objects.live().filter(slug="lemtrada").count() == 2
    assert LessonPage.objects.live().count() >= 12


def test_every_table_the_load_fills_is_in_the_copy(db):
    programme_install()
    copied = set()
    for label in {row["model"] for row in database_rows()}:
        model = apps.get_model(label)
        copied.add(model._meta.db_table)
        copied.update(field.remote_field.through._meta.db_table for field in model._meta.local_many_to_many)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        filled = set()
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 - names from introspection
            if cursor.fetchone():
                filled.add(table)
    assert filled - copied == set()


def test_the_loader_finds_the_copy_unchanged(db):
    _replayed()
    out = io.StringIO()
    call_command("load_programme", stdout=out)
    assert "published 0 new and 0 changed, submitted for review 0" in out.getvalue()
