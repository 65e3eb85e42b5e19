"""How the Completion tab learns each learner's assignment routes (type and name) without importing
the assignments app: it registers a source in its ``AppConfig.ready()``.

``fn(*, certification_id: int, user_ids: list[int]) -> dict[int, list[str]]`` returns, for the
learners of one page, the routes as display strings such as "Audience: Sales team". It is called
once per page, so it must answer in a constant number of queries.
"""

from collections.abc import Callable

RoutesSource = Callable[..., dict[int, list[str]]]

_sources: list[RoutesSource] = []


def register_routes_source(fn: RoutesSource) -> None:
    if fn not in _sources:
        _sources.append(fn)


def unregister_routes_source(fn: RoutesSource) -> None:
    if fn in _sources:
        _sources.remove(fn)


def has_routes_source() -> bool:
    return bool(_sources)


def routes_for(*, certification_id: int, user_ids: list[int]) -> dict[int, list[str]]:
    routes: dict[int, list[str]] = {}
    for source in _sources:
        for user_id, items in source(certification_id=certification_id, user_ids=user_ids).items():
            routes.setdefault(user_id, []).extend(items)
    return routes
