import pytest
from django.core.cache import cache

from tests import factories


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
