"""Forms of the learner's pages."""

from django import forms

from assignments.models import Group
from certifications.models import Certification
from certlms.fields import IdModelChoiceField


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label="Search certifications", required=False, max_length=200)


class EnrolForm(forms.Form):
    """Which group of this certification the learner enrols in (the server checks the rest)."""

    group = IdModelChoiceField(
        queryset=Group.objects.all(),
        error_messages={
            "required": "Choose a group to enrol in.",
            "invalid_choice": "That group no longer exists. Please choose again.",
        },
    )
    enrolment_key = forms.CharField(label="Enrolment key", required=False, strip=False, max_length=1000)

    def __init__(self, *args, certification: Certification, **kwargs):
        super().__init__(*args, **kwargs)
        self.certification = certification

    def clean_group(self) -> Group:
        """A group of another certification is refused for what it is, not as a missing one."""
        group = self.cleaned_data["group"]
        if group.certification_id != self.certification.pk:
            raise forms.ValidationError(
                f"That group does not belong to {self.certification.fullname}. Please choose again."
            )
        return group
