"""Forms of the Group dialog and the member picker."""

from django import forms
from django.contrib.auth import get_user_model

from assignments.forms import DATETIME_LOCAL
from assignments.models import Group
from assignments.services.groups import SETTINGS_FIELDS
from certlms.fields import DateTimeField, IdModelMultipleChoiceField

MAX_LEARNERS_LIMIT = 1_000_000


def _moment(label: str) -> DateTimeField:
    return DateTimeField(
        label=label,
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Date and time in your timezone; empty: no limit.",
    )


class GroupForm(forms.ModelForm):
    """The Group dialog: Name (mandatory), Description, and under Group management the flags and the
    self-enrolment settings of DOMAIN.md §10. The enrolment key is never shown back: a typed key
    replaces the stored one, an empty box keeps it, **Remove the enrolment key** clears it."""

    max_learners = forms.IntegerField(
        label="Maximum learners",
        required=False,
        min_value=1,
        max_value=MAX_LEARNERS_LIMIT,
        help_text="Empty: no limit. Administrators adding members are not limited by it.",
        error_messages={"min_value": "Maximum learners must be at least 1, or empty for no limit."},
    )
    new_enrolment_key = forms.CharField(
        label="Enrolment key",
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    remove_enrolment_key = forms.BooleanField(label="Remove the enrolment key", required=False)
    enrolment_opens_at = _moment("Enrolment opens")
    enrolment_closes_at = _moment("Enrolment closes")

    class Meta:
        model = Group
        fields = ["name", "description", *SETTINGS_FIELDS]
        labels = {
            "name": "Name",
            "description": "Description",
            "allow_enrol": "Allow learners to enrol",
            "allow_withdraw": "Allow learners to withdraw",
            "requires_approval": "Requires approval",
        }
        help_texts = {"description": "Shown to learners when they enrol; it can tell them about the content."}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"name": {"required": "Name is required."}}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name is required.")
        return name

    def clean(self):
        data = super().clean()
        opens, closes = data.get("enrolment_opens_at"), data.get("enrolment_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("enrolment_closes_at", "Enrolment closes must be later than Enrolment opens.")
        if data.get("remove_enrolment_key") and data.get("new_enrolment_key"):
            self.add_error("new_enrolment_key", "Type a new enrolment key or remove it, not both.")
        return data

    def _post_clean(self):
        """The model's own checks (its constraints) run in the service; the form has checked the same."""

    def group_fields(self) -> dict:
        """What the services take: the fields, and ``enrolment_key`` as None (keep), "" (remove) or the new key."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self._meta.fields}
        key = data.get("new_enrolment_key") or ""
        fields["enrolment_key"] = "" if data.get("remove_enrolment_key") else (key or None)
        return fields


class MemberAddForm(forms.Form):
    """Users chosen in the picker; only active users who are not members yet can be chosen."""

    users = IdModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        error_messages={
            "required": "Select at least one user.",
            "invalid_choice": "A selected user cannot be added (already a member, or no longer active).",
            "invalid_pk_value": "A selected user cannot be added.",
        },
    )

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = (
            get_user_model().objects.filter(is_active=True).exclude(group_memberships__group=group)
        )
