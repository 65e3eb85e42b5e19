"""Small builders for the groups and enrolment tests (the shared factories belong to other lanes)."""

import itertools

from assignments.services.groups import SETTINGS_FIELDS, group_create
from certifications.models import Certification

_numbers = itertools.count(1)


def certification(**fields) -> Certification:
    n = next(_numbers)
    fields.setdefault("fullname", f"Certification {n}")
    fields.setdefault("shortname", f"CERT{n}-{id(fields)}")
    return Certification.objects.create(**fields)


def group(
    cert: Certification | None = None,
    *,
    name: str = "",
    allow_enrol: bool = True,
    allow_withdraw: bool = True,
    description: str = "",
    **due,
):
    """A group through the service (so it has its assignment); ``due`` sets the assignment's due-date fields,
    except the Group management settings and ``enrolment_key``, which go to the group."""
    settings = {name: due.pop(name) for name in (*SETTINGS_FIELDS, "enrolment_key") if name in due}
    made = group_create(
        certification=cert or certification(),
        name=name or f"Group {next(_numbers)}",
        description=description,
        allow_enrol=allow_enrol,
        allow_withdraw=allow_withdraw,
        **settings,
    )
    if due:
        for key, value in due.items():
            setattr(made.assignment, key, value)
        made.assignment.save()
    return made
