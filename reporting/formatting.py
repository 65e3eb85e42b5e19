"""How a report cell reads: the same text in the table and in every export."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from certifications.routes import due_words
from certlms.when import date_formatter, date_pattern

from .sources import Column
from .sources.common import PERIOD_UNIT_LABELS


def _local_date(value: datetime.datetime) -> datetime.date:
    return value.astimezone(timezone.get_current_timezone()).date()


def spreadsheet_date_format() -> str:
    """The one date format (certlms.when) as a spreadsheet number format ("d mmm yyyy" for "j M Y")."""
    excel = {"d": "dd", "j": "d", "m": "mm", "n": "m", "Y": "yyyy", "y": "yy", "b": "mmm", "M": "mmm", "F": "mmmm"}
    return "".join(excel.get(ch, ch) for ch in date_pattern())


@dataclass(frozen=True)
class Percent:
    """A percentage cell: typed as a fraction (0.5) shown as "50%"."""

    value: int


def cell_typer(column: Column) -> Callable[[object, object], object]:
    """``type(value, extra)`` → what a spreadsheet cell holds: a date (in the viewer's timezone), a number,
    a ``Percent``, or the cell's text (``cell_formatter``'s) for every other kind and for empty values."""
    text = cell_formatter(column)
    kind = column.kind
    if kind in ("datetime", "due"):
        return lambda value, extra: text(value, extra) if value is None else _local_date(value)
    if kind == "number":
        return lambda value, extra: "" if value is None else value
    if kind == "percent":
        return lambda value, extra: "" if value is None else Percent(value)
    return text


FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


def neutralised(text: str) -> str:
    """Text that a spreadsheet will never run as a formula: one starting with =, +, -, @, tab or carriage
    return is prefixed with an apostrophe (the OWASP recommendation for CSV injection)."""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def neutralised_row(cells: list[str]) -> list[str]:
    """``neutralised`` for every cell of a row, in one pass (a CSV export calls it for each of a million rows)."""
    return [f"'{text}" if text[:1] in FORMULA_STARTS else text for text in cells]


def _period(value: str) -> str:
    amount, _, unit = value.partition(" ")
    singular, plural = PERIOD_UNIT_LABELS.get(unit, (unit, unit))
    return f"{amount} {singular if amount == '1' else plural}"


def _remembered(function: Callable[[object], str], limit: int = 10_000) -> Callable[[object], str]:
    """``function`` remembering its last ``limit`` answers: an export reads the same dates many times
    (a due date shared by everyone assigned together), and each costs a timezone conversion and a strftime."""
    seen: dict[object, str] = {}

    def remembered(value) -> str:
        text = seen.get(value)
        if text is None:
            if len(seen) >= limit:
                seen.clear()
            text = seen[value] = function(value)
        return text

    return remembered


def cell_formatter(column: Column) -> Callable[[object, object], str]:
    """``format(value, date)`` → the cell's text; ``date`` is only used by a red-amber-green status."""
    kind = column.kind
    date = _remembered(date_formatter())
    if kind == "datetime":
        return lambda value, _: "" if value is None else date(value)
    if kind == "due":
        return lambda value, awaiting: due_words(awaiting=bool(awaiting)) if value is None else date(value)
    if kind in ("choice", "rag"):
        choices = column.choices
        if kind == "rag":
            return lambda value, when: (
                "" if value is None else " ".join(filter(None, [choices.get(value, value), when and date(when)]))
            )
        return lambda value, _: "" if value is None else choices.get(value, value)
    if kind == "period":
        return lambda value, _: "" if value is None else _period(value)
    if kind == "percent":
        return lambda value, _: "" if value is None else f"{value}%"
    return lambda value, _: "" if value is None else str(value)
