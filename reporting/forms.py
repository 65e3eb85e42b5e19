"""Forms of the report builder: create (name + source) and edit (settings, columns, filters)."""

from __future__ import annotations

from django import forms

from certlms.formsets import bounded_formset_factory

from .models import AccessRule, ContentRule, Report
from .sources import SOURCE_CHOICES, Source


class ReportCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    source = forms.ChoiceField(label="Report source", choices=[("", "Choose…"), *SOURCE_CHOICES])


class ReportSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    default_sort = forms.ChoiceField(label="Default sort")
    default_sort_descending = forms.BooleanField(label="Sort descending", required=False)
    access = forms.ChoiceField(label="Who may see it", choices=AccessRule.choices, widget=forms.RadioSelect)
    content = forms.ChoiceField(label="Which records", choices=ContentRule.choices, widget=forms.RadioSelect)

    def __init__(self, *args, report: Report, source: Source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_sort"].choices = [("id", "Record order")] + [
            (c.key, c.label) for c in source.sortable_columns()
        ]
        if report.embedded:
            for name in ("name", "access", "content"):
                self.fields[name].disabled = True


class ColumnForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    heading = forms.CharField(label="Heading", max_length=255, required=False)
    position = forms.IntegerField(label="Position", min_value=0)
    remove = forms.BooleanField(label="Remove", required=False)


class FilterForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    remove = forms.BooleanField(label="Remove", required=False)


ColumnFormSet = bounded_formset_factory(ColumnForm)
FilterFormSet = bounded_formset_factory(FilterForm)


class AddForm(forms.Form):
    add_column = forms.ChoiceField(label="Add column", required=False)
    add_filter = forms.ChoiceField(label="Add filter", required=False)

    def __init__(self, *args, source: Source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_column"].choices = [("", "—")] + [(c.key, c.label) for c in source.columns]
        self.fields["add_filter"].choices = [("", "—")] + [(f.key, f.label) for f in source.filters]


class ReportEditForms:
    """The edit page's forms together; ``definition()`` gives what ``report_update`` takes."""

    def __init__(self, data=None, *, report: Report, source: Source):
        self.report, self.source = report, source
        labels = {c.key: c.label for c in source.columns}
        filter_labels = {f.key: f.label for f in source.filters}
        self.settings = ReportSettingsForm(
            data,
            report=report,
            source=source,
            prefix="report",
            initial={
                "name": report.name,
                "default_sort": report.default_sort or "id",
                "default_sort_descending": report.default_sort_descending,
                "access": report.access,
                "content": report.content,
            },
        )
        self.columns = ColumnFormSet(
            data,
            prefix="columns",
            initial=[
                {"key": c["key"], "heading": c.get("heading", ""), "position": i + 1}
                for i, c in enumerate(report.columns)
                if c.get("key") in labels
            ],
        )
        for form in self.columns.forms:
            form.label = labels.get(form.initial.get("key") or form["key"].value(), "")
        self.filters = FilterFormSet(
            data, prefix="filters", initial=[{"key": k} for k in report.filters if k in filter_labels]
        )
        for form in self.filters.forms:
            form.label = filter_labels.get(form.initial.get("key") or form["key"].value(), "")
        self.add = AddForm(data, source=source, prefix="add")

    def is_valid(self) -> bool:
        return all(f.is_valid() for f in (self.settings, self.columns, self.filters, self.add))

    def definition(self) -> dict:
        kept = [f.cleaned_data for f in self.columns.forms if not f.cleaned_data.get("remove")]
        kept.sort(key=lambda c: c["position"])
        columns = [{"key": c["key"], "heading": c["heading"]} for c in kept]
        if self.add.cleaned_data["add_column"]:
            columns.append({"key": self.add.cleaned_data["add_column"], "heading": ""})
        filters = [f.cleaned_data["key"] for f in self.filters.forms if not f.cleaned_data.get("remove")]
        if self.add.cleaned_data["add_filter"]:
            filters.append(self.add.cleaned_data["add_filter"])
        settings = self.settings.cleaned_data
        return {
            "name": settings["name"],
            "columns": columns,
            "filters": filters,
            "default_sort": settings["default_sort"],
            "default_sort_descending": settings["default_sort_descending"],
            "access": settings["access"],
            "content": settings["content"],
        }
