"""Turn an admin change page's forms into POST data, as a browser would submit them unchanged."""

import datetime

from django.forms import ModelChoiceField, MultiWidget


def _field_data(form, name, field) -> dict:
    bound = form[name]
    key = form.add_prefix(name)
    if field.disabled:
        return {}
    value = bound.value()
    if isinstance(field.widget, MultiWidget):
        parts = value if isinstance(value, list) else field.widget.decompress(value)
        return {f"{key}_{i}": _scalar(part) for i, part in enumerate(parts)}
    if isinstance(value, bool):
        return {key: "on"} if value else {}
    if isinstance(value, list | tuple):
        return {key: [_scalar(v) for v in value]}
    return {key: _scalar(value)}


def _scalar(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        data.update(_field_data(form, name, field))
    return data


def admin_post_data(response) -> dict:
    """The data of the main form and every inline formset on an admin add/change page."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def _choice_keys(form) -> list[str]:
    return [
        form.add_prefix(name)
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField) and not field.disabled
    ]


def admin_choice_keys(response) -> list[str]:
    """The POST keys of every foreign-key and many-to-many field on an admin page, inlines included."""
    keys = _choice_keys(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            keys += _choice_keys(form)
    return keys
