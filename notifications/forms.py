"""Forms of the notifications pages: a certification's message, the preview's learner, the preferences."""

from django import forms
from django.contrib.auth import get_user_model

from .models import CertificationMessage, NotificationPreference
from .services.messages import message_text_problems

OFFSET_HELP = {
    "due": "Days before the due date.",
    "overdue": "Days after the due date.",
    "window_closing": "Days before the expiry date.",
}


class MessageForm(forms.ModelForm):
    class Meta:
        model = CertificationMessage
        fields = ["enabled", "subject", "body", "offset_days", "copy_to_manager"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].required = False  # refused by the service's rule, with its message
        self.fields["body"].required = False
        if self.instance.offset_days is None:
            del self.fields["offset_days"]
        else:
            self.fields["offset_days"] = forms.IntegerField(
                label="Days", min_value=0, max_value=365, help_text=OFFSET_HELP.get(self.instance.type, "")
            )

    def clean(self):
        cleaned = super().clean()
        problems = message_text_problems(subject=cleaned.get("subject", ""), body=cleaned.get("body", ""))
        for field, messages in problems.items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


def _name(user) -> str:
    return user.get_full_name() or user.username


class PreviewForm(forms.Form):
    """The learner a preview is rendered for: any learner with a record; the list offers the first ``shown``."""

    learner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Preview for", required=False)

    def __init__(self, *args, learners, shown: int, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["learner"]
        field.queryset = learners
        field.choices = [("", "Choose a learner"), *((user.pk, _name(user)) for user in learners[:shown])]


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_enabled"]
