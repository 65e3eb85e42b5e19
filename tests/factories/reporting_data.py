"""Rows of other apps' tables that reports read, created directly (reports never write them)."""

import datetime

import factory
from django.utils import timezone

from assignments import models as assignment_models
from certifications import models as cert_models

from .directory import AudienceFactory, UserFactory

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cert_models.Certification

    fullname = factory.Sequence(lambda n: f"Certification {n}")
    shortname = factory.Sequence(lambda n: f"CERT{n}")
    idnumber = factory.Sequence(lambda n: f"ID-{n}")


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cert_models.CertificationRecord

    user = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    assigned_at = NOW - datetime.timedelta(days=30)
    updated_at = NOW - datetime.timedelta(days=30)


class HistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cert_models.CertificationRecordHistory

    user = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    archived_at = NOW - datetime.timedelta(days=60)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = assignment_models.Group

    certification = factory.SubFactory(CertificationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = assignment_models.Assignment

    certification = factory.SubFactory(CertificationFactory)
    type = assignment_models.AssignmentType.AUDIENCE
    audience = factory.Maybe(
        factory.LazyAttribute(lambda a: a.type == assignment_models.AssignmentType.AUDIENCE),
        factory.SubFactory(AudienceFactory),
        None,
    )


def route(*, user, certification, assignment, state=assignment_models.RouteState.ACTIVE, exception_type=""):
    """A UserAssignment: ``assignment`` reaching ``user``."""
    return assignment_models.UserAssignment.objects.create(
        assignment=assignment,
        certification=certification,
        user=user,
        assigned_at=timezone.now(),
        state=state,
        exception_type=exception_type,
    )


def group_assignment(certification, name="Fire wardens"):
    group = GroupFactory(certification=certification, name=name)
    return AssignmentFactory(certification=certification, type=assignment_models.AssignmentType.GROUP, group=group)


def exception(*, route_row, type=assignment_models.ExceptionType.TIME_ALLOWANCE, raised_at=NOW):
    return assignment_models.AssignmentException.objects.create(
        route=route_row,
        assignment=route_row.assignment,
        certification=route_row.certification,
        user=route_row.user,
        type=type,
        reason="The due date leaves less time than the certification path needs.",
        raised_at=raised_at,
    )
