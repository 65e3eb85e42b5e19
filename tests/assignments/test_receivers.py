"""Directory and course events recompute exactly the affected learners and certifications."""

import datetime as dt

import pytest
import time_machine

from assignments.models import Assignment, AssignmentType, DueEvent, DueKind, UserAssignment
from assignments.services import engine
from assignments.services.engine import assignment_materialise
from courses.services import course_complete
from directory.services import (
    audience_members_add,
    audience_members_remove,
    job_assignment_save,
    profile_date_set,
    user_record_first_login,
)
from tests.factories.assignments import AssignmentFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import JobAssignmentFactory, OrganisationFactory, ProfileDateFieldFactory, UserFactory

from .helpers import audience_assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def recomputes(monkeypatch):
    """The (certification id, user ids) of every recompute of a few learners the tasks run, by each
    certification's steps or by the per-learner path over many (the real one still runs)."""
    calls = []
    real, real_learners = engine._recompute, engine.learners_run

    def spy(ctx, assignments, **kwargs):
        if ctx.scope.user_ids is not None:
            calls.append((ctx.certification.pk, sorted(ctx.scope.user_ids)))
        return real(ctx, assignments, **kwargs)

    def spy_learners(contexts, by_certification):
        calls.extend((c, sorted(contexts[c].scope.user_ids)) for c in sorted(by_certification))
        return real_learners(contexts, by_certification)

    monkeypatch.setattr(engine, "_recompute", spy)
    monkeypatch.setattr(engine, "learners_run", spy_learners)
    return calls


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks, now):
    def run(action):
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            action()

    return run


def test_audience_member_added_recomputes_that_learner_in_each_assigned_certification(recomputes, on_commit):
    user = UserFactory()
    first = audience_assignment([])
    second = AssignmentFactory(type=AssignmentType.AUDIENCE, audience=first.audience)
    audience_assignment([])  # another audience: not touched
    on_commit(lambda: audience_members_add(audience_id=first.audience_id, user_ids=[user.pk]))
    assert sorted(recomputes) == sorted([(first.certification_id, [user.pk]), (second.certification_id, [user.pk])])
    assert UserAssignment.objects.filter(user=user).count() == 2


def test_audience_member_removed_loses_the_route(recomputes, on_commit, now):
    user = UserFactory()
    assignment = audience_assignment([user])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    on_commit(lambda: audience_members_remove(audience_id=assignment.audience_id, user_ids=[user.pk]))
    assert recomputes == [(assignment.certification_id, [user.pk])]
    assert not UserAssignment.objects.exists()


def test_job_assignment_change_recomputes_organisation_routes_of_that_user(recomputes, on_commit):
    organisation = OrganisationFactory()
    assignment = AssignmentFactory(type=AssignmentType.ORGANISATION, audience=None, organisation=organisation)
    audience_assignment([])  # audience assignments do not depend on job assignments
    user = UserFactory()
    on_commit(
        lambda: job_assignment_save(job_assignment=JobAssignmentFactory.build(user=user, organisation=organisation))
    )
    assert recomputes == [(assignment.certification_id, [user.pk])]
    assert UserAssignment.objects.filter(user=user, assignment=assignment).exists()


def test_a_new_manager_recomputes_the_staff_below_for_all_reports_routes(recomputes, on_commit):
    boss, middle, bottom = UserFactory(), UserFactory(), UserFactory()
    JobAssignmentFactory(user=bottom, manager=middle)
    assignment = AssignmentFactory(type=AssignmentType.MANAGER, audience=None, manager=boss, include_children=True)
    on_commit(lambda: job_assignment_save(job_assignment=JobAssignmentFactory.build(user=middle, manager=boss)))
    assert recomputes == [(assignment.certification_id, sorted([middle.pk, bottom.pk]))]
    assert set(UserAssignment.objects.values_list("user_id", flat=True)) == {middle.pk, bottom.pk}


def test_first_login_recomputes_only_first_login_relative_assignments(recomputes, on_commit, now):
    user = UserFactory()
    relative = audience_assignment(
        [user], due_kind=DueKind.RELATIVE, due_amount=1, due_unit="days", due_event=DueEvent.FIRST_LOGIN
    )
    audience_assignment([user])
    on_commit(lambda: user_record_first_login(user_id=user.pk, at=now))
    assert recomputes == [(relative.certification_id, [user.pk])]


def test_profile_date_change_recomputes_assignments_relative_to_that_field(recomputes, on_commit):
    field, other_field = ProfileDateFieldFactory(), ProfileDateFieldFactory()
    user = UserFactory()
    relative = audience_assignment(
        [user],
        due_kind=DueKind.RELATIVE,
        due_amount=1,
        due_unit="days",
        due_event=DueEvent.PROFILE_DATE,
        due_event_profile_field=field,
    )
    audience_assignment(
        [user],
        due_kind=DueKind.RELATIVE,
        due_amount=1,
        due_unit="days",
        due_event=DueEvent.PROFILE_DATE,
        due_event_profile_field=other_field,
    )
    on_commit(lambda: profile_date_set(user_id=user.pk, field_id=field.pk, value=dt.date(2027, 1, 1)))
    assert recomputes == [(relative.certification_id, [user.pk])]


def test_course_completion_recomputes_assignments_relative_to_that_course(recomputes, on_commit, now):
    course = CourseFactory()
    user = UserFactory()
    relative = audience_assignment(
        [user],
        due_kind=DueKind.RELATIVE,
        due_amount=1,
        due_unit="days",
        due_event=DueEvent.COURSE_COMPLETION,
        due_event_course=course,
    )
    on_commit(lambda: course_complete(user_id=user.pk, course_id=course.pk, completed_at=now))
    assert recomputes == [(relative.certification_id, [user.pk])]


def test_nothing_is_enqueued_when_the_transaction_rolls_back(recomputes, run_rolled_back):
    user = UserFactory()
    assignment = audience_assignment([])
    run_rolled_back(lambda: audience_members_add(audience_id=assignment.audience_id, user_ids=[user.pk]))
    assert recomputes == []


def test_deleting_an_assigned_audience_unassigns_its_members(recomputes, on_commit, now):
    from certifications.models import CertificationRecord
    from directory.services import audience_delete

    user = UserFactory()
    assignment = audience_assignment([user])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    audience_assignment([user])  # another certification's audience stays
    on_commit(lambda: audience_delete(audience=assignment.audience))
    assert not CertificationRecord.objects.filter(user=user, certification=assignment.certification).exists()


def test_one_event_over_many_certifications_costs_the_same_statements_per_certification(on_commit):
    """The learner's recompute loads every affected assignment at once; each further certification adds
    only its own lock, checks, route and record statements (no per-certification assignment query)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from directory.models import AudienceMember

    def statements(certifications: int) -> int:
        first = audience_assignment([])
        for _ in range(certifications - 1):
            AssignmentFactory(type=AssignmentType.AUDIENCE, audience=first.audience)
        user = UserFactory()
        AudienceMember.objects.create(audience=first.audience, user=user)
        with CaptureQueriesContext(connection) as ctx:
            engine.learners_recompute_many(
                user_ids=[user.pk],
                assignment_ids=list(Assignment.objects.filter(audience=first.audience).values_list("pk", flat=True)),
            )
        assert UserAssignment.objects.filter(user=user).count() == certifications
        return len(ctx.captured_queries)

    two, four = statements(2), statements(4)
    assert (four - two) / 2 <= 20  # 19 on SQLite, 15 on PostgreSQL (one-statement CTEs); was 22+


def test_a_recompute_that_changes_no_route_writes_and_reads_no_records(now):
    """Restricted to some assignments for a few learners, a run whose routes did not change skips the
    exception and record steps altogether (nothing written, no record statement)."""
    from tests.assignments.helpers import writes_during

    user = UserFactory()
    assignment = audience_assignment([user])
    engine.learners_recompute_many(user_ids=[user.pk], assignment_ids=[assignment.pk], now=now)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        written, _ = writes_during(
            lambda: engine.learners_recompute(
                certification_id=assignment.certification_id,
                user_ids=[user.pk],
                now=now,
                assignment_ids=[assignment.pk],
            )
        )
    assert written == 0
    skipped = ("certificationrecordhistory", "assignments_assignmentexception", 'INSERT INTO "certifications_')
    # The route step's audit of removed routes (rows ``ua``, none here) is not a record statement.
    record_statements = [q["sql"] for q in ctx.captured_queries if "ua.user_id" not in q["sql"]]
    assert not [sql for sql in record_statements if any(table in sql for table in skipped)]
