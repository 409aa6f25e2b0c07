"""Recording an API token's last use, on the status API's hot path."""

import datetime

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_token_used_within_the_minute_costs_no_query(django_assert_num_queries):
    token, _raw = services.api_token_create(name="Apotek 1 Bergen")
    used = timezone.now() - datetime.timedelta(seconds=20)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used)
    token.refresh_from_db()

    with django_assert_num_queries(0):
        services.api_token_mark_used(token=token, now=used + datetime.timedelta(seconds=30))

    assert ApiToken.objects.get(pk=token.pk).last_used_at == used


def test_a_token_last_used_over_a_minute_ago_is_written_again():
    token, _raw = services.api_token_create(name="Apotek 1 Bergen")
    used = timezone.now() - datetime.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used)
    token.refresh_from_db()
    now = timezone.now()

    services.api_token_mark_used(token=token, now=now)

    assert ApiToken.objects.get(pk=token.pk).last_used_at == now


def test_a_stale_copy_of_a_token_does_not_move_its_last_use_back():
    token, _raw = services.api_token_create(name="Apotek 1 Bergen")
    stale = ApiToken.objects.get(pk=token.pk)  # read before any use
    recent = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)

    services.api_token_mark_used(token=stale, now=recent + datetime.timedelta(seconds=10))

    assert ApiToken.objects.get(pk=token.pk).last_used_at == recent
