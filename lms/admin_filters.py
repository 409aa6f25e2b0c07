"""Filters for the admin's registers that refuse what the database cannot be asked, with a message.

A date range is asked of the database as the aware datetimes that begin and end its days, in the
time zone the admin is shown in; the first and last days of the calendar have no such bounds once
converted to UTC (``OverflowError``). An id is asked as an integer; one beyond the range of the
column it is compared with makes SQLite (or PostgreSQL with server-side binding) fail instead of
finding nothing. These fields turn both into form errors, so the register shows the filter with
its message, and an export is refused (``compliance.views.RecordedExportMixin``) instead of a 500.
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField
from django_filters.utils import get_model_field

# Dates whose day boundaries exist in UTC from any time zone (offsets are less than a day).
FIRST_DAY = datetime.date.min + datetime.timedelta(days=1)
LAST_DAY = datetime.date.max - datetime.timedelta(days=1)


def day_bounds_expressible(day: datetime.date) -> bool:
    """Whether the first and the last moment of ``day`` in the current time zone are datetimes
    the database can be given (they can be converted to UTC)."""
    zone = timezone.get_current_timezone()
    try:
        for moment in (datetime.time.min, datetime.time.max):
            timezone.make_aware(datetime.datetime.combine(day, moment), zone).astimezone(datetime.UTC)
    except OverflowError:
        return False
    return True


class LocalDateRangeField(DateRangeField):
    """django-filter's date range, refusing a date whose days cannot be bounded (see above)."""

    default_error_messages = {
        "date_out_of_range": _(
            "%(date)s is too far in the past or the future: enter a date between %(first)s and %(last)s."
        )
    }

    def compress(self, data_list):
        errors = [
            ValidationError(
                self.error_messages["date_out_of_range"],
                code="date_out_of_range",
                params={
                    "date": day.isoformat(),
                    "first": formats.date_format(FIRST_DAY, "DATE_FORMAT"),
                    "last": formats.date_format(LAST_DAY, "DATE_FORMAT"),
                },
            )
            for day in (data_list or [])
            if day and not day_bounds_expressible(day)
        ]
        if errors:
            raise ValidationError(errors)
        return super().compress(data_list)


class DateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    """``django_filters.DateFromToRangeFilter`` with ``LocalDateRangeField``."""

    field_class = LocalDateRangeField


def _integer_range(model_field, model) -> tuple[int | None, int | None] | None:
    """The values the column behind ``model_field`` can hold, or None if it holds no integer. A
    relation (e.g. a page's ``page_ptr``) is followed to the column it points at."""
    while model_field is not None and model_field.is_relation:
        model_field = model_field.target_field
    if not isinstance(model_field, models.IntegerField):
        return None
    connection = connections[router.db_for_read(model)]
    return connection.ops.integer_field_range(model_field.get_internal_type())


class KeyInRangeMixin:
    """For a ``ModelChoiceField``: an id beyond the key column's range is an invalid choice, as an
    id that matches nothing is, without asking the database."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            model = self.queryset.model
            key = model._meta.get_field(self.to_field_name) if self.to_field_name else model._meta.pk
            limits = _integer_range(key, model)
            if limits is not None:
                try:
                    number = int(str(value).strip())
                except ValueError:
                    number = None  # not a number: Django's field says so
                low, high = limits
                if number is not None and (
                    (low is not None and number < low) or (high is not None and number > high)
                ):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
                    )
        return super().to_python(value)


class ModelChoiceField(KeyInRangeMixin, forms.ModelChoiceField):
    """``forms.ModelChoiceField`` that never sends an out-of-range id to the database."""


class ModelChoiceFilterField(KeyInRangeMixin, django_filters.fields.ModelChoiceField):
    pass


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """``django_filters.ModelChoiceFilter`` that never sends an out-of-range id to the database."""

    field_class = ModelChoiceFilterField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the range of the column it filters (``NumberFilter`` takes decimals
    and any size), e.g. an actor's id."""

    field_class = forms.IntegerField

    @property
    def field(self):
        if not hasattr(self, "_field"):
            limits = _integer_range(get_model_field(self.model, self.field_name), self.model)
            if limits is not None:
                low, high = limits
                if low is not None:
                    self.extra.setdefault("min_value", low)
                if high is not None:
                    self.extra.setdefault("max_value", high)
        return super().field
