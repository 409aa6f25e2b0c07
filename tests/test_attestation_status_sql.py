"""``certificates.selectors.with_status_code`` (the database's status, for lists and exports)
says what ``status_of`` says, for every combination of state, dates and confirmed identity."""

import datetime
import itertools

import pytest
from django.utils import timezone

from certificates import selectors
from certificates.models import Attestation
from lms.models import User
from tests.test_attestation_lifecycle import attested

pytestmark = pytest.mark.django_db


def test_the_database_status_agrees_with_status_of_in_every_case(programme_with_bank):
    now = timezone.now()
    today = timezone.localdate()
    states = [Attestation.State.ACTIVE, Attestation.State.SUPERSEDED, Attestation.State.REVOKED]
    valid_untils = [today - datetime.timedelta(days=1), today, today + datetime.timedelta(days=30)]
    renewals = [None, now - datetime.timedelta(hours=1), now + datetime.timedelta(days=3)]
    confirmed = [True, False]
    cases = list(itertools.product(states, valid_untils, renewals, confirmed))
    attestation = attested(programme_with_bank)
    from_database, from_python = [], []
    for state, valid_until, renewal, verified in cases:
        Attestation.objects.filter(pk=attestation.pk).update(
            state=state,
            valid_until=valid_until,
            renewal_required_from=renewal,
            revoked_at=now if state == Attestation.State.REVOKED else None,
        )
        User.objects.filter(pk=attestation.user_id).update(hpr_verified_at=now if verified else None)
        record = Attestation.objects.filter(pk=attestation.pk)
        from_database.append(
            selectors.with_status_code(record, now=now).values_list("status_code", flat=True).get()
        )
        from_python.append(selectors.status_of(record.select_related("user").get(), now=now).code)

    assert from_database == from_python
    assert set(from_python) == {
        selectors.VALID,
        selectors.IDENTITY_UNVERIFIED,
        selectors.EXPIRED,
        selectors.REVOKED,
        selectors.RENEWAL_REQUIRED,
    }
