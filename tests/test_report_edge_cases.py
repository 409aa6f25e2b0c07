"""Review findings on the effectiveness report: percentages round half up, and the period's
first and last days are both counted."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.report import Share, effectiveness_report
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "total", "percent"),
    [(1, 8, 13), (3, 8, 38), (5, 8, 63), (1, 3, 33), (2, 3, 67), (0, 5, 0), (5, 5, 100), (1, 200, 1)],
)
def test_a_share_rounds_half_up_as_a_reader_works_it_out(count, total, percent):
    assert Share(count, total).percent == percent


def test_a_share_of_nothing_has_no_percentage():
    assert Share(0, 0).percent is None


def _joined(day: datetime.date, time: datetime.time):
    user = factories.PrescriberFactory()
    type(user).objects.filter(pk=user.pk).update(
        date_joined=timezone.make_aware(datetime.datetime.combine(day, time))
    )


def test_the_period_counts_its_first_and_last_day_whole_in_local_time(programme_with_bank):
    first, last = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)
    _joined(first, datetime.time(0, 0))
    _joined(last, datetime.time(23, 59, 59))
    _joined(first - datetime.timedelta(days=1), datetime.time(23, 59, 59))  # outside
    _joined(last + datetime.timedelta(days=1), datetime.time(0, 0))  # outside

    report = effectiveness_report(programme=programme_with_bank, date_from=first, date_to=last, language="nb")

    assert report.reach.registered == 2


@pytest.mark.parametrize(
    ("date_from", "date_to"), [("2025-01-01", "9999-12-31"), ("0001-01-01", "2025-01-01")]
)
def test_a_period_at_the_ends_of_the_calendar_is_refused_with_a_message_not_an_error(
    client, programme_with_bank, date_from, date_to
):
    client.force_login(factories.ComplianceFactory())
    query = {"programme": programme_with_bank.pk, "date_from": date_from, "date_to": date_to}

    page = client.get(reverse("effectiveness_report"), query)
    pdf = client.get(reverse("effectiveness_report_pdf"), query)

    assert page.status_code == 200
    assert "report" not in page.context
    assert page.context["form"].errors
    assert pdf.status_code == 302 and pdf["Location"].startswith(reverse("effectiveness_report") + "?")


def test_the_funnel_never_widens_when_a_lesson_is_added_after_an_attempt(programme_with_bank):
    """Whoever submitted an attempt had read every lesson required then: a lesson added since
    does not make "read every lesson" smaller than "submitted a quiz attempt"."""
    from courses.models import LessonPage
    from tests.test_effectiveness_report import FROM, TO, TODAY, attempt, prescriber, read

    lessons = LessonPage.objects.child_of(programme_with_bank).count()
    before_the_new_lesson = prescriber(datetime.date(2025, 3, 1))
    read(before_the_new_lesson, programme_with_bank, count=lessons - 1)  # the last one is "new"
    attempt(before_the_new_lesson, programme_with_bank, ended=datetime.date(2025, 3, 2), passed=True)
    read(prescriber(datetime.date(2025, 3, 1)), programme_with_bank, count=lessons - 1)  # neither

    reach = effectiveness_report(programme=programme_with_bank, date_from=FROM, date_to=TO, today=TODAY).reach

    assert (reach.registered, reach.read_all, reach.attempted, reach.passed) == (2, 1, 1, 1)
