"""The form of the Enrolment requests lists: the chosen requests, Approve or Deny, an optional reason."""

from django import forms

from assignments.forms import IdListField

MAX_REASON = 2000


MAX_ID = 2**63 - 1  # larger ids cannot even be compared by the database


class RequestIdsField(IdListField):
    def to_python(self, value) -> list[int]:
        try:
            ids = super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError("Select requests from the list.") from error
        if any(not 0 < i <= MAX_ID for i in ids):
            raise forms.ValidationError("Select requests from the list.")
        return ids


class DecisionForm(forms.Form):
    requests = RequestIdsField(
        required=True, error_messages={"required": "Select at least one request to approve or deny."}
    )
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("deny", "Deny")],
        error_messages={"required": "Choose Approve or Deny.", "invalid_choice": "Choose Approve or Deny."},
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"Keep the reason under {MAX_REASON} characters."},
    )
