"""How every form renders: Bootstrap's classes on each widget, the label above, errors beneath.

``FORM_RENDERER`` names :class:`BootstrapFormRenderer`; ``{{ form }}`` and ``{{ form.field }}``
then render with the design system's classes wherever a template puts them (decision 0090).
"""

from django.forms.renderers import TemplatesSetting

# Which Bootstrap class a widget gets, by its input type (or its template, for select and textarea).
CHECK_TYPES = {"checkbox", "radio"}
NO_CLASS_TYPES = {"hidden"}
# Lists of radio buttons or checkboxes: each option is a check input; the list itself gets no class.
CHECK_LIST_TEMPLATES = ("radio.html", "checkbox_select.html")


def widget_class(widget: dict) -> str:
    """The Bootstrap class of one widget context ("form-control", "form-select", "form-check-input" or "")."""
    kind = widget.get("type") or ""
    if kind in NO_CLASS_TYPES:
        return ""
    if kind in CHECK_TYPES:
        return "form-check-input"
    if kind == "select" or widget.get("template_name", "").endswith("select.html"):
        return "form-select"
    return "form-control"


def _add_class(attrs: dict, css_class: str) -> None:
    if not css_class:
        return
    classes = attrs.get("class", "").split()
    if css_class not in classes:
        attrs["class"] = " ".join([*classes, css_class])


def style_widget(widget: dict) -> None:
    """Add the Bootstrap class to a widget context, and to each option of radio and checkbox lists."""
    if widget.get("template_name", "").endswith(CHECK_LIST_TEMPLATES):
        for _, group, _ in widget.get("optgroups", []):
            for option in group:
                _add_class(option["attrs"], "form-check-input")
        return
    for subwidget in widget.get("subwidgets", []):
        style_widget(subwidget)
    _add_class(widget["attrs"], widget_class(widget))


class BootstrapFormRenderer(TemplatesSetting):
    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if isinstance(widget, dict) and "attrs" in widget:
            style_widget(widget)
        return super().render(template_name, context, request=request)
