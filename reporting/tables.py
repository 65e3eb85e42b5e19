"""The report table's rows: the rows of one keyset page are already sorted and formatted, and their HTML
is written in one pass.

Why neither django-tables2's cell rendering nor its Table: it introspects each column's ``render``
signature for every cell (``inspect.signature``), about 6 ms per 50-row page of 8 columns, more than
the page's queries; and building a Table class for each page's columns cost 1 ms more, for nothing
the page shows (the headings and sort links are the view's). B4, decisions 0116 and 0146.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape  # what Django's escape() does, without its lazy-text check for each of 400 cells

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .selectors import Page, ReportColumn
from .sources.certification import RAG_COLOURS
from .sources.common import LIST_SEPARATOR


@dataclass(frozen=True)
class ReportTable:
    """A page of a report's rows, in the report's columns."""

    report_columns: list[ReportColumn]
    page: Page

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
