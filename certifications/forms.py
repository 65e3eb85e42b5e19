"""Forms of the certification administration pages."""

from django import forms

from certlms import fields as shared_fields
from certlms.fields import IdModelMultipleChoiceField
from courses.models import Course

from .models import Certification, CertificationPath, CertificationRecordHistory, CourseSet, RecordStatus
from .periods import Period
from .rules import record_state_errors, settings_errors
from .selectors import path_time_allowance

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DateTimeField(shared_fields.DateTimeField):
    """Optional unless told, typed in a datetime-local input; the range check is the shared field's."""

    widget = DATETIME_WIDGET

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
        super().__init__(**kwargs)


class CertificationDetailsForm(forms.ModelForm):
    available_from = DateTimeField(label="Available from")
    available_until = DateTimeField(label="Available until")

    class Meta:
        model = Certification
        fields = [
            "fullname",
            "shortname",
            "idnumber",
            "summary",
            "visibility",
            "visible_audiences",
            "available_from",
            "available_until",
        ]
        labels = {"summary": "Summary", "visibility": "Visibility"}
        field_classes = {"visible_audiences": IdModelMultipleChoiceField}
        widgets = {"visible_audiences": forms.CheckboxSelectMultiple, "summary": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        data = super().clean()
        start, end = data.get("available_from"), data.get("available_until")
        if start and end and end <= start:
            self.add_error("available_until", "Available until must be after available from.")
        if data.get("visibility") == "enrolled_audiences" and not data.get("visible_audiences"):
            self.add_error("visible_audiences", "Select at least one audience.")
        return data


class CertificationSettingsForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = [
            "active_period_amount",
            "active_period_unit",
            "window_period_amount",
            "window_period_unit",
            "minimum_active_amount",
            "minimum_active_unit",
            "recertification_method",
        ]
        labels = {
            "active_period_unit": "Active period unit",
            "window_period_unit": "Window period unit",
            "minimum_active_unit": "Minimum active period unit",
        }
        widgets = {"recertification_method": forms.RadioSelect}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        minimum = None
        if data.get("minimum_active_amount") is not None and data.get("minimum_active_unit"):
            minimum = Period(data["minimum_active_amount"], data["minimum_active_unit"])
        allowance = path_time_allowance(certification=self.instance, path=CertificationPath.RECERTIFICATION)
        errors = settings_errors(
            active=Period(data["active_period_amount"], data["active_period_unit"]),
            window=Period(data["window_period_amount"], data["window_period_unit"]),
            minimum_active=minimum,
            method=data["recertification_method"],
            recertification_allowance_days=allowance.days,
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class CourseSetForm(forms.ModelForm):
    courses = IdModelMultipleChoiceField(
        queryset=Course.objects.order_by("fullname"), widget=forms.CheckboxSelectMultiple
    )
    # At most 100 years (DOMAIN §6's horizon): the allowance is added to today for due dates.
    minimum_time_days = forms.IntegerField(
        label="Minimum time required (days)", min_value=0, max_value=36525, initial=0
    )

    class Meta:
        model = CourseSet
        fields = ["name", "courses", "completion_rule", "minimum_time_days", "sortorder"]
        labels = {"name": "Name", "completion_rule": "Completion rule", "sortorder": "Order"}
        widgets = {"completion_rule": forms.RadioSelect}


class SameContentForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["recertification_same_content"]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False)


class DueDateForm(forms.Form):
    """A new due date, or the explicit choice of none: an empty form means nothing and is refused."""

    due_date = DateTimeField(label="Due date")
    no_due_date = forms.BooleanField(
        label="No due date", required=False, help_text="Clear the learner's due date (you will be asked to confirm)."
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("no_due_date") and data.get("due_date"):
            self.add_error("due_date", "Enter a due date or choose “No due date”, not both.")
        elif not data.get("no_due_date") and not data.get("due_date"):
            self.add_error("due_date", "Enter a due date, or choose “No due date” to clear it. Nothing was saved.")
        return data


class RecordStateForm(forms.Form):
    """The fields of a record, validated against its status (``now`` given by the view)."""

    status = forms.ChoiceField(choices=RecordStatus.choices)
    renewal_status = forms.ChoiceField(label="Renewal status", choices=())
    path = forms.ChoiceField(choices=CertificationPath.choices)
    due_date = DateTimeField(label="Due date")
    completion_date = DateTimeField(label="Completion date")
    window_opens = DateTimeField(label="Window opens")
    expiry_date = DateTimeField(label="Expiry date")
    baseline_expiry = DateTimeField(label="Baseline expiry")

    def __init__(self, *args, now, **kwargs):
        from .models import RenewalStatus

        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["renewal_status"].choices = RenewalStatus.choices

    def clean(self):
        data = super().clean()
        if not self.errors:
            for field, message in record_state_errors(data, now=self.now).items():
                self.add_error(field, message)
        return data


class HistoryRecordForm(RecordStateForm):
    archived_at = DateTimeField(label="Archived at", required=True)

    @staticmethod
    def initial_for(history: CertificationRecordHistory) -> dict:
        return {field: getattr(history, field) for field in HistoryRecordForm.base_fields}
