"""Filter values the database cannot be asked about, in the Compliance officers' registers: the
register shows the filter with a message saying what is wrong (never a 500), and an export asked
for with such a filter is refused, recorded nowhere, and sends the officer back to that page.

Dates: the first moment of 1 January 0001 (and the last of 31 December 9999 west of UTC) has no
UTC equivalent. Ids: a programme id or actor id beyond the integer column's range cannot be sent to
SQLite (or, with server-side binding, PostgreSQL). ``lms.admin_filters`` refuses both."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from compliance.models import ExportRecord
from lms import admin_filters
from tests import factories

pytestmark = pytest.mark.django_db

# Each register with an export, and its date range filter.
DATE_FILTERS = {
    "attestations:index": "issued_at",
    "treatment_initiations:index": "created_at",
    "prescribers:index": "date_joined",
    "audit_trail:index": "occurred_at",
    "content_history:index": "published_at",
}
PROGRAMME_FILTERS = ["attestations:index", "treatment_initiations:index"]
EXPORTS = [None, "csv", "xlsx"]  # the page, and each format the registers offer

TOO_FAR = "is too far in the past or the future: enter a date between 2 January 0001 and 30 December 9999."
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."
NOT_EXPORTED = "The filter has an error, so nothing was exported: correct it first."
OUT_OF_RANGE_IDS = ["99999999999999999999", "-99999999999999999999", str(2**63)]


def _officer(time_zone: str = ""):
    officer = factories.ComplianceFactory()
    if time_zone:
        profile = UserProfile.get_for_user(officer)
        profile.current_time_zone = time_zone
        profile.save()
    return officer


def _get(client, url: str, query: dict, export: str | None):
    """The register (after the redirect an export with a filter error answers), in English."""
    if export:
        query = {**query, "export": export}
    response = client.get(reverse(url), query, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200
    if export:
        assert [status for _url, status in response.redirect_chain] == [302]
        assert "export" not in response.redirect_chain[0][0]
        assert NOT_EXPORTED in response.content.decode()
        assert not ExportRecord.objects.exists()
    else:
        assert response.redirect_chain == []
    return response.content.decode()


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("bound", ["from", "to"])
@pytest.mark.parametrize("url", DATE_FILTERS)
def test_the_first_day_of_the_calendar_is_refused_with_a_message_not_an_error(client, url, bound, export):
    client.force_login(_officer())

    page = _get(client, url, {f"{DATE_FILTERS[url]}_{bound}": "0001-01-01"}, export)

    assert f"0001-01-01 {TOO_FAR}" in page


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("bound", ["from", "to"])
@pytest.mark.parametrize("url", DATE_FILTERS)
def test_the_last_day_of_the_calendar_is_refused_for_an_officer_west_of_utc(client, url, bound, export):
    client.force_login(_officer("America/New_York"))

    page = _get(client, url, {f"{DATE_FILTERS[url]}_{bound}": "9999-12-31"}, export)

    assert f"9999-12-31 {TOO_FAR}" in page


@pytest.mark.parametrize("url", DATE_FILTERS)
def test_the_days_next_to_the_ends_of_the_calendar_still_filter(client, url):
    client.force_login(_officer("America/New_York"))
    name = DATE_FILTERS[url]

    response = client.get(
        reverse(url), {f"{name}_from": "0001-01-02", f"{name}_to": "9999-12-30"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert TOO_FAR not in response.content.decode()
    assert not response.context["filters"].errors


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS)
@pytest.mark.parametrize("url", PROGRAMME_FILTERS)
def test_a_programme_id_beyond_the_integer_range_is_an_invalid_choice(
    client, programme_with_bank, url, value, export
):
    client.force_login(_officer())

    page = _get(client, url, {"programme": value}, export)

    assert INVALID_CHOICE in page


@pytest.mark.parametrize("url", PROGRAMME_FILTERS)
def test_the_programme_filter_still_finds_a_programme(client, programme_with_bank, url):
    client.force_login(_officer())

    response = client.get(reverse(url), {"programme": programme_with_bank.pk}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert not response.context["filters"].errors


@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS)
def test_the_report_and_its_pdf_refuse_a_programme_id_beyond_the_integer_range(
    client, programme_with_bank, value
):
    client.force_login(_officer())
    query = {"programme": value, "date_from": "2025-01-01", "date_to": "2025-12-31"}

    page = client.get(reverse("effectiveness_report"), query, HTTP_ACCEPT_LANGUAGE="en")
    pdf = client.get(reverse("effectiveness_report_pdf"), query, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert "report" not in page.context
    assert INVALID_CHOICE in page.content.decode()
    assert pdf.status_code == 302 and pdf["Location"].startswith(reverse("effectiveness_report") + "?")


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("99999999999999999999", "Ensure this value is less than or equal to 9223372036854775807."),
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("1.5", "Enter a whole number."),
    ],
)
def test_an_actor_id_that_no_account_can_have_is_refused_with_a_message(client, value, message, export):
    client.force_login(_officer())

    page = _get(client, "audit_trail:index", {"actor_id": value}, export)

    assert message in page


def test_a_date_is_refused_only_when_its_day_cannot_be_bounded_in_the_time_zone_shown():
    with timezone.override("Europe/Oslo"):  # east of UTC: the first day starts before year 1 in UTC
        assert not admin_filters.day_bounds_expressible(datetime.date.min)
        assert admin_filters.day_bounds_expressible(datetime.date.max)
    with timezone.override("America/New_York"):  # west: the last day ends after year 9999
        assert admin_filters.day_bounds_expressible(datetime.date.min)
        assert not admin_filters.day_bounds_expressible(datetime.date.max)
    with timezone.override("UTC"):
        assert admin_filters.day_bounds_expressible(datetime.date.min)
        assert admin_filters.day_bounds_expressible(datetime.date.max)
