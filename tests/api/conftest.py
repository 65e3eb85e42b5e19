"""A small world for the API tests: the six roles, a certification with a self-enrolment group, and tokens."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, TokenAccess
from api.services import token_create
from assignments.services.groups import group_create, group_enrol
from assignments.services.rules import assignment_create
from certifications.models import Certification, Visibility
from courses.models import Course
from reporting.models import AccessRule, ContentRule, Report
from reporting.services import report_create
from tests.factories.directory import JobAssignmentFactory, SiteAdminFactory, UserFactory

ROLES = ("anonymous", "learner", "other_learner", "manager", "other_manager", "admin")


@dataclass
class World:
    admin: object
    learner: object
    other_learner: object
    manager: object
    other_manager: object
    certification: Certification
    hidden: Certification
    group: object
    course: Course
    report: Report
    admin_report: Report

    def user(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    admin = SiteAdminFactory(username="apiadmin")
    learner = UserFactory(username="apilearner", first_name="Ada", last_name="Lovelace")
    other_learner = UserFactory(username="apiother", first_name="Bea", last_name="Other")
    manager = UserFactory(username="apimanager")
    other_manager = UserFactory(username="apiothermanager")
    JobAssignmentFactory(user=learner, manager=manager)
    JobAssignmentFactory(user=other_learner, manager=other_manager)
    certification = Certification.objects.create(fullname="Fire safety", shortname="FIRE", summary="Fire drills")
    hidden = Certification.objects.create(fullname="Hidden", shortname="HIDDEN", visibility=Visibility.NONE)
    group = group_create(certification=certification, name="Wardens", allow_enrol=True, allow_withdraw=True)
    group_enrol(group=group, learner=learner)
    assignment_create(certification=certification, type="individual", target=other_learner, actor=admin)
    course = Course.objects.create(fullname="Extinguishers", shortname="EXT")
    report = report_create(name="Everyone's records", source="certification_overview", actor=admin)
    report.access, report.content = AccessRule.ALL, ContentRule.ALL
    report.save()
    admin_report = report_create(name="Admins only", source="certification_overview", actor=admin)
    return World(
        admin,
        learner,
        other_learner,
        manager,
        other_manager,
        certification,
        hidden,
        group,
        course,
        report,
        admin_report,
    )


@pytest.fixture
def api():
    """``api(user=None, token=None, csrf=False)``: a client signed in with the session, or sending a token."""

    def make(user=None, *, token: str | None = None, csrf: bool = False) -> APIClient:
        client = APIClient(enforce_csrf_checks=csrf)
        if user is not None:
            client.force_login(user)
        if token is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make


@pytest.fixture
def token_for():
    def make(user, access=TokenAccess.READ_WRITE, **fields) -> tuple[ApiToken, str]:
        token, secret = token_create(user=user, name=f"{access} token", access=access, expires_at=None)
        if fields:
            ApiToken.objects.filter(pk=token.pk).update(**fields)
            token.refresh_from_db()
        return token, secret

    return make


def a_day(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)
