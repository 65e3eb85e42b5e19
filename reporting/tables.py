"""The report table (django-tables2): columns from the report, rows already sorted and paged by keyset."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .selectors import Page, ReportColumn
from .sources.certification import RAG_COLOURS
from .sources.common import LIST_SEPARATOR


class PagedRows(tables.data.TableListData):
    """Rows of one keyset page: the database sorted them, the table must not sort them again."""

    def order_by(self, aliases):
        return None


class ListColumn(tables.Column):
    def render(self, value):
        return format_html_join(mark_safe("<br>"), "{}", ((item,) for item in value.split(LIST_SEPARATOR)))


class RagColumn(tables.Column):
    def render(self, value, record):
        colour = RAG_COLOURS.get(record.get(f"{self.accessor}__raw"), "")
        return format_html('<span class="badge rag-{}">{}</span>', colour, value)


def report_table(columns: list[ReportColumn], page: Page) -> tables.Table:
    attrs = {}
    for chosen in columns:
        kind = chosen.column.kind
        column_class = ListColumn if kind == "list" else RagColumn if kind == "rag" else tables.Column
        attrs[chosen.alias] = column_class(verbose_name=chosen.heading, accessor=chosen.alias, default="")
    attrs["Meta"] = type("Meta", (), {"orderable": False, "template_name": "reporting/_table.html"})
    table_class = type("ReportTable", (tables.Table,), attrs)
    data = []
    for raw, cells in zip(page.rows, page.cells, strict=True):
        row = {chosen.alias: cell for chosen, cell in zip(columns, cells, strict=True)}
        for chosen in columns:
            if chosen.column.kind == "rag":
                row[f"{chosen.alias}__raw"] = raw[chosen.alias]
        data.append(row)
    return table_class(PagedRows(data))
