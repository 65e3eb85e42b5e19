"""How the Completion tab learns each learner's assignment routes (type and name) without importing
the assignments app: it registers a source in its ``AppConfig.ready()``.

``fn(*, certification_id: int, user_ids: list[int]) -> dict[int, list[str]]`` returns, for the
learners of one page, the routes as display strings such as "Audience: Sales team". It is called
once per page, so it must answer in a constant number of queries.

An awaiting source, ``fn(*, certification_id: int, user_ids: list[int]) -> set[int]``, says which of
those learners have no due date yet because their rule's event has not happened ("Not yet known");
every other learner without a due date has "No due date" (DOMAIN §3: the two are never confused).
"""

from collections.abc import Callable

RoutesSource = Callable[..., dict[int, list[str]]]
AwaitingSource = Callable[..., set[int]]

NO_DUE_DATE = "No due date"
NOT_YET_KNOWN = "Not yet known"

_sources: list[RoutesSource] = []
_awaiting_sources: list[AwaitingSource] = []


def register_routes_source(fn: RoutesSource) -> None:
    if fn not in _sources:
        _sources.append(fn)


def unregister_routes_source(fn: RoutesSource) -> None:
    if fn in _sources:
        _sources.remove(fn)


def register_awaiting_source(fn: AwaitingSource) -> None:
    if fn not in _awaiting_sources:
        _awaiting_sources.append(fn)


def has_routes_source() -> bool:
    return bool(_sources)


def routes_for(*, certification_id: int, user_ids: list[int]) -> dict[int, list[str]]:
    routes: dict[int, list[str]] = {}
    for source in _sources:
        for user_id, items in source(certification_id=certification_id, user_ids=user_ids).items():
            routes.setdefault(user_id, []).extend(items)
    return routes


def awaiting_event_for(*, certification_id: int, user_ids: list[int]) -> set[int]:
    """The learners of ``user_ids`` whose due date is "Not yet known" (an event is awaited)."""
    awaiting: set[int] = set()
    for source in _awaiting_sources:
        awaiting |= source(certification_id=certification_id, user_ids=user_ids)
    return awaiting


def due_words(*, awaiting: bool) -> str:
    """What a learner's missing due date reads: "Not yet known" while an event is awaited, else "No due date"."""
    return NOT_YET_KNOWN if awaiting else NO_DUE_DATE
