"""The form of Preferences → API tokens."""

import datetime as dt

from django import forms
from django.utils import timezone

from certlms.fields import DateField

from .models import TokenAccess


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, e.g. “HR system nightly sync”.",
        error_messages={"required": "Give the token a name."},
    )
    access = forms.ChoiceField(
        label="Access", choices=TokenAccess.choices, initial=TokenAccess.READ, widget=forms.RadioSelect
    )
    expires_on = DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional. The token stops working at the end of this day, in your timezone.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day.")
        return day

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day in the viewer's timezone (the start of the next day)."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
