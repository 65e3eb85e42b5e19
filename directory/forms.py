from django import forms

from .csv_import import KIND_CHOICES

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class DirectoryImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file contains", choices=KIND_CHOICES, widget=forms.RadioSelect)
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma-separated, the first line names the columns.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; split it into several files.")
        return upload
