import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from tests import factories
from tests.programme_snapshot import programme_install


@pytest.fixture(scope="session", autouse=True)
def _signing_key(tmp_path_factory):
    """One development signing key for the session, in a folder of its own (processes the
    tests start, such as a worker, find it through the environment)."""
    from certificates import signing

    directory = tmp_path_factory.mktemp("signing")
    signing.create_development_key(directory, organisation="Prescriber training (tests)")
    os.environ["ATTESTATION_SIGNING_DIR"] = str(directory)
    settings.ATTESTATION_SIGNING_DIR = directory
    signing.forget_material()
    yield directory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def prescriber(db):
    return factories.PrescriberFactory()


@pytest.fixture
def programme(db):
    return factories.programme()


@pytest.fixture
def programme_with_bank(db):
    page = factories.programme(questions_per_topic=2)
    factories.question_bank(page, topics=3, per_topic=3)
    return page


@pytest.fixture
def ready_prescriber(prescriber, programme_with_bank):
    factories.read_all(prescriber, programme_with_bank)
    return prescriber


@pytest.fixture(scope="module")
def programme_loaded_once(django_db_setup, django_db_blocker):
    """The Lemtrada programme as ``load_programme`` installs it, loaded once per test module (in a
    transaction rolled back when the module ends; each test's changes roll back after it; after the
    first real load of the session, a copy of what it wrote: ``tests.programme_snapshot``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        programme_install()
        yield
        transaction.set_rollback(True)
