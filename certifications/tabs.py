"""The tabs of a certification's administration pages.

Other apps add theirs (the assignments app: "Assignments", "Exceptions") from their
``AppConfig.ready()`` with ``register_tab(label, url_name)``; the URL takes the certification id as
its one argument. Extra tabs sit between "Certification" and "Completion", or after "Completion"
with ``last=True`` (the notifications app: "Messages"). Templates render the
row with ``{% load certification_tabs %}{% certification_tabs certification "Label" %}``, or extend
``certifications/certification_base.html`` and set ``active_tab``.
"""

from django.urls import reverse

BASE_TABS: list[tuple[str, str]] = [
    ("Overview", "certifications:overview"),
    ("Details", "certifications:details"),
    ("Content", "certifications:content"),
    ("Certification", "certifications:settings"),
]
LAST_TABS: list[tuple[str, str]] = [("Completion", "certifications:completion")]
EXTRA_TABS: list[tuple[str, str]] = []
TRAILING_TABS: list[tuple[str, str]] = []


def register_tab(label: str, url_name: str, *, last: bool = False) -> None:
    """Add a tab (idempotent), before "Completion" or, with ``last``, after it."""
    tabs = TRAILING_TABS if last else EXTRA_TABS
    if (label, url_name) not in tabs:
        tabs.append((label, url_name))


def tabs_for(certification, active: str) -> list[dict]:
    return [
        {"label": label, "url": reverse(url_name, args=[certification.pk]), "current": label == active}
        for label, url_name in [*BASE_TABS, *EXTRA_TABS, *LAST_TABS, *TRAILING_TABS]
    ]
