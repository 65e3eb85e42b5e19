"""django-tables2 tables of the certification administration pages."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from certlms.when import format_datetime

from .models import Certification, CertificationRecord
from .routes import due_words


class CertificationTable(tables.Table):
    fullname = tables.LinkColumn("certifications:overview", args=[tables.A("pk")], verbose_name="Full name")
    shortname = tables.Column(verbose_name="Short name")
    idnumber = tables.Column(verbose_name="ID number")
    visibility = tables.Column(verbose_name="Visibility")
    learners = tables.Column(verbose_name="Learners", orderable=True)

    class Meta:
        model = Certification
        fields = ("fullname", "shortname", "idnumber", "visibility", "learners")
        empty_text = "There are no certifications yet."
        attrs = {"class": "table"}


class DueDateColumn(tables.Column):
    """A due date, or why there is none: "Not yet known" while the rule's event is awaited, else "No due date"."""

    empty_values = ()

    def render(self, record, table, value, bound_column, **kwargs):
        if value is None:
            return due_words(awaiting=record.user_id in table.awaiting)
        return format_datetime(value)


class RecordTable(tables.Table):
    name = tables.Column(
        verbose_name="Name", accessor="user__last_name", order_by=("user__last_name", "user__first_name")
    )
    status = tables.Column(verbose_name="Status")
    renewal_status = tables.Column(verbose_name="Renewal status")
    due_date = DueDateColumn(verbose_name="Due date")
    expiry_date = tables.Column(verbose_name="Expiry date", default="")
    routes = tables.Column(verbose_name="Assignment routes", empty_values=(), orderable=False)
    edit = tables.Column(
        verbose_name=mark_safe('<span class="visually-hidden">Actions</span>'), empty_values=(), orderable=False
    )

    class Meta:
        model = CertificationRecord
        fields = ("name", "status", "renewal_status", "due_date", "expiry_date", "routes", "edit")
        empty_text = "No learner has a record of this certification."
        attrs = {"class": "table"}

    def render_name(self, record):
        user = record.user
        return user.get_full_name() or user.username

    def __init__(self, *args, routes: dict[int, list[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.routes = routes or {}
        self.awaiting: set[int] = set()  # learners whose due date is "Not yet known" (filled per page)

    def render_expiry_date(self, value):
        return format_datetime(value)

    def render_routes(self, record):
        return format_html_join(", ", "{}", ((route,) for route in self.routes.get(record.user_id, []))) or "—"

    def render_edit(self, record):
        from django.urls import reverse

        url = reverse("certifications:record_edit", args=[record.certification_id, record.user_id])
        name = record.user.get_full_name() or record.user.username
        return format_html('<a href="{}" aria-label="Edit {}">Edit</a>', url, name)
