"""Serializer fields of the API: ids the database can compare, and datetimes with their offset."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from certlms.dates import validate_date_range

MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset (``2027-01-31T17:00:00+01:00`` or ``…Z``), from 1900 to 100 years ahead."""

    default_error_messages = {
        "naive": "Give the time with its offset, for example 2027-01-31T17:00:00+01:00 or 2027-01-31T16:00:00Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        result = super().to_internal_value(value)
        try:
            validate_date_range(result)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return result
