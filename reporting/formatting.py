"""How a report cell reads: the same text in the table and in every export."""

from __future__ import annotations

from collections.abc import Callable

from certlms.when import date_formatter

from .sources import Column
from .sources.common import PERIOD_UNIT_LABELS


def _period(value: str) -> str:
    amount, _, unit = value.partition(" ")
    singular, plural = PERIOD_UNIT_LABELS.get(unit, (unit, unit))
    return f"{amount} {singular if amount == '1' else plural}"


def cell_formatter(column: Column) -> Callable[[object, object], str]:
    """``format(value, date)`` → the cell's text; ``date`` is only used by a red-amber-green status."""
    kind = column.kind
    if kind == "datetime":
        date = date_formatter()
        return lambda value, _: "" if value is None else date(value)
    if kind in ("choice", "rag"):
        choices = column.choices
        if kind == "rag":
            date = date_formatter()
            return lambda value, when: (
                "" if value is None else " ".join(filter(None, [choices.get(value, value), when and date(when)]))
            )
        return lambda value, _: "" if value is None else choices.get(value, value)
    if kind == "period":
        return lambda value, _: "" if value is None else _period(value)
    if kind == "percent":
        return lambda value, _: "" if value is None else f"{value}%"
    return lambda value, _: "" if value is None else str(value)
