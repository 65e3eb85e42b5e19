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
        queryset=Group.objects.none(),
        error_messages={"invalid_choice": "That group no longer exists. Please choose again."},
    )
    enrolment_key = forms.CharField(label="Enrolment key", required=False, strip=False, max_length=1000)

    def __init__(self, *args, certification: Certification, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(certification=certification)
