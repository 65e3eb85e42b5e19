"""Form fields shared by the apps' forms."""

from django import forms
from django.core.exceptions import ValidationError

from .dates import validate_date_range

_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def _reject_out_of_range_ids(field: forms.ModelChoiceField, values) -> None:
    """An id the database cannot even compare (SQLite raises OverflowError) is an invalid choice, not a crash."""
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            continue  # the parent field reports non-numbers
        if not _BIGINT_MIN <= number <= _BIGINT_MAX:
            raise ValidationError(
                field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )


def is_valid_id(model_field, value) -> bool:
    """Whether ``value`` can be looked up in ``model_field`` at all (for integers: a number within 64 bits)."""
    try:
        key = model_field.get_prep_value(model_field.to_python(value))
    except (ValueError, TypeError, ValidationError):
        return False
    return not isinstance(key, int) or _BIGINT_MIN <= key <= _BIGINT_MAX


class IdModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _reject_out_of_range_ids(self, [value])
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        _reject_out_of_range_ids(self, value)
        return super()._check_values(value)


class DateTimeField(forms.DateTimeField):
    """A datetime typed in the viewer's timezone, refused outside 1900 … 100 years ahead."""

    default_validators = [validate_date_range]


class DateField(forms.DateField):
    """A date, refused outside 1900 … 100 years ahead."""

    default_validators = [validate_date_range]
