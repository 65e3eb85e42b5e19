"""Exports of a filtered report: CSV streamed as rows are read; Excel and ODS written row by row to a
temporary file (openpyxl's write-only mode; content.xml streamed into the zip) and then streamed back.
Memory stays flat whatever the row count.

No exported cell ever runs as a formula: text starting with =, +, -, @, tab or carriage return is
neutralised in every format. The CSV starts with a byte order mark, so that Excel reads it as UTF-8.
Excel and ODS cells are typed: dates are date cells (in the viewer's date format), numbers numbers,
percentages percentages; everything else is a text cell.
"""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from certlms.when import date_pattern, format_date

from .formatting import Percent, neutralised, neutralised_row, spreadsheet_date_format

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Echo:
    def write(self, value: str) -> str:
        return value


BOM = "\ufeff"


CSV_ROWS_A_CHUNK = 500  # rows a chunk of the response: one write per chunk, not one per row


def csv_lines(headings: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """The heading line (with the byte order mark) at once, then the rows in chunks of CSV_ROWS_A_CHUNK lines."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(neutralised_row(headings))
    lines = []
    for row in rows:
        lines.append(writer.writerow(neutralised_row(row)))
        if len(lines) == CSV_ROWS_A_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _filename(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "report"
    return f"{stem}.{extension}"


def csv_response(name: str, headings: list[str], rows: Iterable[list[str]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(headings, rows), content_type=FORMATS["csv"][0])
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "csv")}"'
    return response


def _text(value: str) -> str:
    return neutralised(_XML_INVALID.sub("", value))


def _xlsx_cell(sheet, value, date_format: str) -> WriteOnlyCell:
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = date_format
    elif isinstance(value, Percent):
        cell = WriteOnlyCell(sheet, value=value.value / 100)
        cell.number_format = "0%"
    elif isinstance(value, int | float):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        cell = WriteOnlyCell(sheet, value=_text(value))
        cell.data_type = "s"  # a string, even one a spreadsheet would take for a formula
    return cell


def write_xlsx(target, headings: list[str], rows: Iterable[list]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Report")
    date_format = spreadsheet_date_format()
    sheet.append([_xlsx_cell(sheet, heading, date_format) for heading in headings])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, date_format) for value in row])
    workbook.save(target)


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"'
)
# Date cells in the one date format (certlms.when: day, month, year in its order, with its separator).
_ODS_NUMBER_PARTS = {
    "d": '<number:day number:style="long"/>',
    "j": "<number:day/>",
    "m": '<number:month number:style="long"/>',
    "n": "<number:month/>",
    "Y": '<number:year number:style="long"/>',
    "y": "<number:year/>",
    "b": '<number:month number:textual="true"/>',
    "M": '<number:month number:textual="true"/>',
    "F": '<number:month number:textual="true" number:style="long"/>',
}


def _ods_head() -> str:
    parts = "".join(_ODS_NUMBER_PARTS.get(ch, f"<number:text>{escape(ch)}</number:text>") for ch in date_pattern())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NAMESPACES} office:version="1.2">'
        f'<office:automatic-styles><number:date-style style:name="N1">{parts}</number:date-style>'
        '<style:style style:name="cedate" style:family="table-cell" style:data-style-name="N1"/>'
        '<number:percentage-style style:name="N2"><number:number number:decimal-places="0" '
        'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>'
        '<style:style style:name="cepercent" style:family="table-cell" style:data-style-name="N2"/>'
        "</office:automatic-styles>"
        '<office:body><office:spreadsheet><table:table table:name="Report">'
    )


_ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def _ods_typed(attributes: str, text: str) -> str:
    return f"<table:table-cell {attributes}><text:p>{text}</text:p></table:table-cell>"


def _ods_cell(value) -> str:
    if isinstance(value, datetime.date):
        shown = escape(format_date(value))
        attributes = f'table:style-name="cedate" office:value-type="date" office:date-value="{value.isoformat()}"'
        return _ods_typed(attributes, shown)
    if isinstance(value, Percent):
        attributes = f'table:style-name="cepercent" office:value-type="percentage" office:value="{value.value / 100}"'
        return _ods_typed(attributes, f"{value.value}%")
    if isinstance(value, int | float):
        return _ods_typed(f'office:value-type="float" office:value="{value}"', str(value))
    return _ods_typed('office:value-type="string"', escape(_text(value)))


def _ods_row(cells: list) -> str:
    return "<table:table-row>" + "".join(_ods_cell(cell) for cell in cells) + "</table:table-row>"


def write_ods(target, headings: list[str], rows: Iterable[list[str]]) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(_ods_head().encode())
            content.write(_ods_row(headings).encode())
            for row in rows:
                content.write(_ods_row(row).encode())
            content.write(_ODS_TAIL.encode())


def file_response(fmt: str, name: str, headings: list[str], rows: Iterable[list[str]]) -> FileResponse:
    """Excel or ODS, written to a temporary file (deleted when the response closes) and streamed."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    (write_xlsx if fmt == "xlsx" else write_ods)(spool, headings, rows)
    spool.seek(0)
    content_type, extension = FORMATS[fmt]
    return FileResponse(spool, as_attachment=True, filename=_filename(name, extension), content_type=content_type)


def run_export_response(run, fmt: str):
    """A report run (``selectors.ReportRun``) exported in ``fmt`` (one of FORMATS): the page's and the API's."""
    from .selectors import export_rows

    rows = export_rows(
        run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx, typed=fmt != "csv", route_type=run.route_type
    )
    if fmt == "csv":
        return csv_response(run.report.name, run.headings, rows)
    return file_response(fmt, run.report.name, run.headings, rows)
