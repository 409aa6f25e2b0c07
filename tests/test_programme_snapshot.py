"""The copy of the loaded programme that test modules share (``tests.programme_snapshot``) is the
programme as ``load_programme`` leaves it: row for row, and for the loader itself."""

import io

from django.core.management import call_command
from django.db import transaction

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


def test_the_copy_holds_every_row_the_load_wrote(db):
    loaded = _replayed()
    assert database_rows() == loaded
    assert ProgrammePage.objects.live().filter(slug="lemtrada").count() == 2
    assert LessonPage.objects.live().count() >= 12


def test_the_loader_finds_the_copy_unchanged(db):
    _replayed()
    out = io.StringIO()
    call_command("load_programme", stdout=out)
    assert "published 0 new and 0 changed, submitted for review 0" in out.getvalue()
