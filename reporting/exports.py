"""Exports of a filtered report: CSV streamed as rows are read; Excel and ODS written row by row to a
temporary file (openpyxl's write-only mode; content.xml streamed into the zip) and then streamed back.
Memory stays flat whatever the row count.
"""

from __future__ import annotations

import csv
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(headings: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(headings)
    for row in rows:
        yield writer.writerow(row)


def _filename(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "report"
    return f"{stem}.{extension}"


def csv_response(name: str, headings: list[str], rows: Iterable[list[str]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(headings, rows), content_type=FORMATS["csv"][0])
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "csv")}"'
    return response


def write_xlsx(target, headings: list[str], rows: Iterable[list[str]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Report")
    sheet.append(headings)
    for row in rows:
        sheet.append([_XML_INVALID.sub("", cell) for cell in row])
    workbook.save(target)


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Report">'
)
_ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def _ods_row(cells: list[str]) -> str:
    parts = ["<table:table-row>"]
    for cell in cells:
        text = escape(_XML_INVALID.sub("", cell))
        parts.append(f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>')
    parts.append("</table:table-row>")
    return "".join(parts)


def write_ods(target, headings: list[str], rows: Iterable[list[str]]) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(_ODS_HEAD.encode())
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

    rows = export_rows(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    if fmt == "csv":
        return csv_response(run.report.name, run.headings, rows)
    return file_response(fmt, run.report.name, run.headings, rows)
