"""Report sources: ``SOURCES`` and ``get_source(key)``."""

from .base import Column, Filter, QueryContext, Source
from .certification import SOURCES

_BY_KEY = {source.key: source for source in SOURCES}
SOURCE_CHOICES = [(source.key, source.label) for source in SOURCES]


def get_source(key: str) -> Source | None:
    return _BY_KEY.get(key)


__all__ = ["SOURCES", "SOURCE_CHOICES", "Column", "Filter", "QueryContext", "Source", "get_source"]
