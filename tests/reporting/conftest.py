"""A small company for report tests: managers two levels deep, learners reached by every assignment type."""

import datetime
from dataclasses import dataclass

import pytest

from assignments.models import AssignmentType, RouteState
from reporting.models import AccessRule, ContentRule, Report
from reporting.sources import get_source
from tests.factories.directory import (
    AudienceFactory,
    JobAssignmentFactory,
    OrganisationFactory,
    PositionFactory,
    UserFactory,
)
from tests.factories.reporting_data import (
    NOW,
    AssignmentFactory,
    CertificationFactory,
    HistoryFactory,
    RecordFactory,
    exception,
    group_assignment,
    route,
)


@dataclass
class World:
    cert: object
    other_cert: object
    manager: object
    middle: object
    deep: object
    direct: object
    outsider: object
    positioned: object
    individual: object
    excepted: object
    former: object

    def learners_by_type(self) -> dict[str, set]:
        return {
            AssignmentType.AUDIENCE: {self.deep.pk},
            AssignmentType.GROUP: {self.deep.pk},
            AssignmentType.ORGANISATION: {self.direct.pk},
            AssignmentType.MANAGER: {self.outsider.pk},
            AssignmentType.POSITION: {self.positioned.pk},
            AssignmentType.INDIVIDUAL: {self.individual.pk},
        }


def build_world() -> World:
    cert = CertificationFactory(fullname="Fire safety", shortname="FIRE")
    other_cert = CertificationFactory(fullname="First aid", shortname="AID")
    manager = UserFactory(username="manager", first_name="Mona", last_name="Manager")
    middle = UserFactory(username="middle", first_name="Mick", last_name="Middle")
    deep = UserFactory(username="deep", first_name="Dora", last_name="Deep")
    direct = UserFactory(username="direct", first_name="Dan", last_name="Direct")
    outsider = UserFactory(username="outsider", first_name="Olga", last_name="Outsider")
    other_manager = UserFactory(username="othermanager", first_name="Otto", last_name="Boss")
    positioned = UserFactory(username="positioned", first_name="Pia", last_name="Post")
    individual = UserFactory(username="individual", first_name="Ivo", last_name="Single")
    excepted = UserFactory(username="excepted", first_name="Ella", last_name="Except")
    former = UserFactory(username="former", first_name="Fred", last_name="Former")

    engineering = OrganisationFactory(name="Engineering")
    warden = PositionFactory(name="Warden")
    JobAssignmentFactory(user=middle, manager=manager, organisation=engineering)
    JobAssignmentFactory(user=deep, manager=middle, organisation=engineering, position=warden)
    JobAssignmentFactory(user=direct, manager=manager, organisation=engineering)
    JobAssignmentFactory(user=outsider, manager=other_manager)

    audience = AudienceFactory(name="All staff")
    by_audience = AssignmentFactory(certification=cert, type=AssignmentType.AUDIENCE, audience=audience)
    by_group = group_assignment(cert, "Fire wardens")
    by_org = AssignmentFactory(certification=cert, type=AssignmentType.ORGANISATION, organisation=engineering)
    by_manager = AssignmentFactory(certification=cert, type=AssignmentType.MANAGER, manager=other_manager)
    by_position = AssignmentFactory(certification=cert, type=AssignmentType.POSITION, position=warden)
    by_user = AssignmentFactory(certification=cert, type=AssignmentType.INDIVIDUAL, user=individual)

    # Dora: audience + group, a completed period in history.
    RecordFactory(
        user=deep,
        certification=cert,
        status="certified",
        path="recertification",
        completion_date=NOW - datetime.timedelta(days=10),
        window_opens=NOW + datetime.timedelta(days=300),
        expiry_date=NOW + datetime.timedelta(days=355),
        due_date=NOW + datetime.timedelta(days=355),
    )
    route(user=deep, certification=cert, assignment=by_audience)
    route(user=deep, certification=cert, assignment=by_group)
    HistoryFactory(
        user=deep, certification=cert, status="certified", completion_date=NOW - datetime.timedelta(days=400)
    )
    # Dan: organisation, overdue.
    RecordFactory(user=direct, certification=cert, due_date=NOW - datetime.timedelta(days=3))
    route(user=direct, certification=cert, assignment=by_org)
    # Olga: through her manager's team, in another team; due later.
    RecordFactory(user=outsider, certification=cert, status="in_progress", due_date=NOW + datetime.timedelta(days=20))
    route(user=outsider, certification=cert, assignment=by_manager)
    # Pia: position; expired.
    RecordFactory(
        user=positioned,
        certification=cert,
        status="expired",
        renewal_status="expired",
        expiry_date=NOW - datetime.timedelta(days=5),
    )
    route(user=positioned, certification=cert, assignment=by_position)
    # Ivo: individual, certified with the window open.
    RecordFactory(
        user=individual,
        certification=cert,
        status="certified",
        renewal_status="due",
        window_opens=NOW - datetime.timedelta(days=1),
        expiry_date=NOW + datetime.timedelta(days=29),
    )
    route(user=individual, certification=cert, assignment=by_user)
    # Ella: her only route (the group) is in exception: no record.
    excepted_route = route(
        user=excepted,
        certification=cert,
        assignment=by_group,
        state=RouteState.EXCEPTION,
        exception_type="time_allowance",
    )
    exception(route_row=excepted_route)
    # Fred: left the certification; his record is in history, marked unassigned.
    HistoryFactory(user=former, certification=cert, unassigned=True, status="in_progress")
    # Mick (the middle manager) holds another certification.
    RecordFactory(user=middle, certification=other_cert)
    return World(cert, other_cert, manager, middle, deep, direct, outsider, positioned, individual, excepted, former)


@pytest.fixture
def world(db) -> World:
    return build_world()


def make_report(
    source_key: str,
    *,
    columns=None,
    filters=None,
    access=AccessRule.ADMINS,
    content=ContentRule.ALL,
    name=None,
    default_sort="id",
) -> Report:
    source = get_source(source_key)
    keys = columns if columns is not None else [c.key for c in source.columns]
    return Report.objects.create(
        name=name or source.label,
        source=source_key,
        columns=[{"key": key, "heading": ""} for key in keys],
        filters=filters if filters is not None else [f.key for f in source.filters],
        access=access,
        content=content,
        default_sort=default_sort,
    )
