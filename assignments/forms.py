"""Forms of the Assignments and Exceptions tabs."""

from __future__ import annotations

from django import forms

from certifications.models import Certification, PeriodUnit
from certlms.fields import DateTimeField, IdModelChoiceField
from courses.models import Course
from directory.models import Position, ProfileDateField

from .models import DUE_EVENT_TARGETS, Assignment, DueEvent, DueKind, ExceptionType, Resolution
from .services.rules import DueRule

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# The dialog's field for what each event refers to (an Assignment's due_event_<field>).
EVENT_TARGET_FIELDS = {event: target.form_field for event, target in DUE_EVENT_TARGETS.items()}


RELATIVE_MISSING = {
    "amount": "Enter how many days, weeks, months or years the learner has.",
    "unit": "Choose days, weeks, months or years.",
    "event": "Choose the event the due date is relative to.",
}


class DueDateForm(forms.Form):
    """The Assignment due date dialog: none, Fixed date (in the administrator's timezone) or Relative to event."""

    kind = forms.ChoiceField(
        label="Assignment due date",
        choices=DueKind.choices,
        widget=forms.RadioSelect,
        initial=DueKind.NONE,
        error_messages={
            "required": "Choose the assignment due date: No due date, Fixed date or Relative to event.",
            "invalid_choice": "Choose the assignment due date: No due date, Fixed date or Relative to event.",
        },
    )
    fixed_at = DateTimeField(
        label="Fixed date",
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Date and time in your timezone; each learner sees it in theirs.",
    )
    amount = forms.IntegerField(label="Complete within", required=False, min_value=1, max_value=1000)
    unit = forms.ChoiceField(label="Unit", choices=PeriodUnit.choices, required=False)
    event = forms.ChoiceField(label="of", choices=[("", "—"), *DueEvent.choices], required=False)
    position = IdModelChoiceField(label="Position", queryset=Position.objects.all(), required=False)
    certification = IdModelChoiceField(label="Certification", queryset=Certification.objects.all(), required=False)
    course = IdModelChoiceField(label="Course", queryset=Course.objects.all(), required=False)
    profile_field = IdModelChoiceField(label="Profile field", queryset=ProfileDateField.objects.all(), required=False)

    @classmethod
    def for_assignment(cls, assignment: Assignment, data=None) -> DueDateForm:
        """The dialog, re-opened with the saved values."""
        initial = {
            "kind": assignment.due_kind,
            "fixed_at": assignment.due_fixed_at,
            "amount": assignment.due_amount,
            "unit": assignment.due_unit or PeriodUnit.DAYS,
            "event": assignment.due_event,
            **{target.form_field: getattr(assignment, f"{target.field}_id") for target in DUE_EVENT_TARGETS.values()},
        }
        return cls(data=data, initial=initial)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == DueKind.FIXED and not data.get("fixed_at"):
            self.add_error("fixed_at", "Enter the date and time.")
        if kind == DueKind.RELATIVE:
            for name, missing in RELATIVE_MISSING.items():
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, missing)
            target = EVENT_TARGET_FIELDS.get(data.get("event"))
            if target and not data.get(target):
                self.add_error(target, "Choose what the event refers to.")
        return data

    def due_rule(self) -> DueRule:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == DueKind.FIXED:
            return DueRule(kind=kind, fixed_at=data["fixed_at"])
        if kind == DueKind.RELATIVE:
            target = EVENT_TARGET_FIELDS.get(data["event"])
            return DueRule(
                kind=kind,
                amount=data["amount"],
                unit=data["unit"],
                event=data["event"],
                target=data.get(target) if target else None,
            )
        return DueRule()


class ExceptionFilterForm(forms.Form):
    type = forms.ChoiceField(
        label="Exception type", choices=[("", "All types"), *ExceptionType.choices], required=False
    )


class IdListField(forms.Field):
    """Checked row ids; which of them may be acted on is the service's business (it filters by certification)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError("Select exceptions from the list.") from error


class ResolveForm(forms.Form):
    """Resolve the selected exceptions, or every open exception of the filtered type."""

    resolution = forms.ChoiceField(label="Resolution", choices=Resolution.choices)
    scope = forms.ChoiceField(
        choices=[("selected", "Selected exceptions"), ("all", "All exceptions of the type shown")],
        initial="selected",
        widget=forms.RadioSelect,
    )
    exceptions = IdListField(required=False)
    type = forms.ChoiceField(choices=[("", "All types"), *ExceptionType.choices], required=False)

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("exceptions"):
            raise forms.ValidationError("Select at least one exception.")
        return data
