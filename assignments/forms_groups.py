"""Forms of the Group dialog and the member picker."""

from django import forms
from django.contrib.auth import get_user_model

from assignments.models import Group
from certlms.fields import IdModelMultipleChoiceField


class GroupForm(forms.ModelForm):
    """The Group dialog: Name (mandatory), Description, and under Group management the two flags."""

    class Meta:
        model = Group
        fields = ["name", "description", "allow_enrol", "allow_withdraw"]
        labels = {
            "name": "Name",
            "description": "Description",
            "allow_enrol": "Allow learners to enrol",
            "allow_withdraw": "Allow learners to withdraw",
        }
        help_texts = {"description": "Shown to learners when they enrol; it can tell them about the content."}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"name": {"required": "Name is required."}}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name is required.")
        return name


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
