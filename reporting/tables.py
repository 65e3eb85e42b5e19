"""The report table: a django-tables2 Table declares the report's columns (headings, kinds); the rows
of one keyset page are already sorted and formatted, and their HTML is written in one pass.

Why not tables2's own cell rendering: it introspects each column's ``render`` signature for every
cell (``inspect.signature``), about 6 ms per 50-row page of 8 columns — more than the page's
queries. Rendering the formatted cells directly keeps B4 within its target.
"""

from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .selectors import Page, ReportColumn
from .sources.certification import RAG_COLOURS
from .sources.common import LIST_SEPARATOR


class PagedRows(tables.data.TableListData):
    """Rows of one keyset page: the database sorted them, the table must not sort them again."""

    def order_by(self, aliases):
        return None


class ReportTable(tables.Table):
    """A report's table; ``report_table`` adds one column per chosen report column."""

    class Meta:
        orderable = False

    def __init__(self, data, *, report_columns: list[ReportColumn], page: Page, **kwargs):
        super().__init__(data, **kwargs)
        self.report_columns = report_columns
        self.page = page

    def body_html(self) -> SafeString:
        """The <tr> rows of the page, escaped."""
        renderers = [_cell_renderer(chosen) for chosen in self.report_columns]
        rows = []
        for raw, cells in zip(self.page.rows, self.page.cells, strict=True):
            tds = "".join(render(cell, raw) for render, cell in zip(renderers, cells, strict=True))
            rows.append(f"<tr>{tds}</tr>")
        return mark_safe("".join(rows))  # noqa: S308 - every cell is escaped above


def _cell_renderer(chosen: ReportColumn) -> Callable[[str, dict], str]:
    kind = chosen.column.kind
    if kind == "list":
        return lambda cell, raw: "<td>" + "<br>".join(escape(item) for item in cell.split(LIST_SEPARATOR)) + "</td>"
    if kind == "rag":
        alias = chosen.alias

        def rag(cell: str, raw: dict) -> str:
            if not cell:
                return "<td></td>"
            return f'<td><span class="badge rag-{RAG_COLOURS.get(raw[alias], "")}">{escape(cell)}</span></td>'

        return rag
    if chosen.column.link:
        # One reverse() a page, not one a cell: the URL of id 0, its id part replaced by each row's id.
        url_name, alias = chosen.column.link, chosen.date_alias
        head, found, tail = escape(reverse(url_name, args=[0])).rpartition("/0/")
        if not found:
            return lambda cell, raw: (
                f'<td><a href="{escape(reverse(url_name, args=[raw[alias]]))}">{escape(cell)}</a></td>'
            )
        return lambda cell, raw: f'<td><a href="{head}/{int(raw[alias])}/{tail}">{escape(cell)}</a></td>'
    return lambda cell, raw: f"<td>{escape(cell)}</td>"


def report_table(columns: list[ReportColumn], page: Page) -> ReportTable:
    attrs = {chosen.alias: tables.Column(verbose_name=chosen.heading, accessor=chosen.alias) for chosen in columns}
    table_class = type("ReportTable", (ReportTable,), attrs)
    data = [dict(zip((c.alias for c in columns), cells, strict=True)) for cells in page.cells]
    return table_class(PagedRows(data), report_columns=columns, page=page)
