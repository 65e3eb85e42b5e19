"""What a course page shows from the apps above courses, which courses never imports.

The enrolment app registers, in its ``AppConfig.ready()``, the source of the links back to every
certification that contains the course (``register_certification_links``).
"""

from collections.abc import Callable

LinkSource = Callable[..., list[tuple[str, str]]]
CERTIFICATION_LINK_SOURCES: list[LinkSource] = []


def register_certification_links(source: LinkSource) -> None:
    """``source(course=, user=)`` → [(certification name, URL)]; registered once."""
    if source not in CERTIFICATION_LINK_SOURCES:
        CERTIFICATION_LINK_SOURCES.append(source)


def certification_links(*, course, user) -> list[tuple[str, str]]:
    return [link for source in CERTIFICATION_LINK_SOURCES for link in source(course=course, user=user)]
