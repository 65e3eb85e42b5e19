import datetime

import pytest
from django.contrib.auth.models import User

from courses import services, signals
from courses.models import CourseCompletion, CourseCompletionHistory
from outbox.models import OutboxMessage
from tests.factories.courses import CourseCompletionFactory, CourseFactory
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def test_completing_a_course_creates_the_record_and_signals_once(capture_signal, django_capture_on_commit_callbacks):
    user, course = UserFactory(), CourseFactory()
    calls = capture_signal(signals.course_completed)
    with django_capture_on_commit_callbacks(execute=True):
        completion = services.course_complete(user_id=user.pk, course_id=course.pk, completed_at=T0)
    assert (completion.user_id, completion.course_id, completion.completed_at) == (user.pk, course.pk, T0)
    assert calls == [{"user_id": user.pk, "course_id": course.pk, "actor_id": None}]


def test_completing_again_updates_the_time_and_signals(capture_signal, django_capture_on_commit_callbacks):
    existing = CourseCompletionFactory(completed_at=T0)
    calls = capture_signal(signals.course_completed)
    later = T0 + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.course_complete(user_id=existing.user_id, course_id=existing.course_id, completed_at=later)
    assert CourseCompletion.objects.get().completed_at == later
    assert calls == [{"user_id": existing.user_id, "course_id": existing.course_id, "actor_id": None}]


def test_recording_the_same_completion_again_changes_nothing(capture_signal, django_capture_on_commit_callbacks):
    existing = CourseCompletionFactory(completed_at=T0)
    calls = capture_signal(signals.course_completed)
    with django_capture_on_commit_callbacks(execute=True):
        services.course_complete(user_id=existing.user_id, course_id=existing.course_id, completed_at=T0)
    assert calls == []
    assert CourseCompletion.objects.count() == 1


def test_rolled_back_completion_leaves_no_work(capture_signal, run_rolled_back):
    user, course = UserFactory(), CourseFactory()
    calls = capture_signal(signals.course_completed, as_work=True)
    callbacks = run_rolled_back(lambda: services.course_complete(user_id=user.pk, course_id=course.pk, completed_at=T0))
    assert len(calls) == 1  # sent inside the transaction…
    assert callbacks == [] and not OutboxMessage.objects.exists()  # …so its work rolled back with it
    assert not CourseCompletion.objects.exists()


@pytest.mark.parametrize("as_queryset", [False, True])
def test_archive_moves_chosen_completions_to_history(as_queryset, capture_signal, django_capture_on_commit_callbacks):
    a, b, other_user = UserFactory(), UserFactory(), UserFactory()
    c1, c2, other_course = CourseFactory(), CourseFactory(), CourseFactory()
    for user in (a, b, other_user):
        for course in (c1, c2, other_course):
            CourseCompletionFactory(user=user, course=course, completed_at=T0)
    calls = capture_signal(signals.course_completed)
    user_ids = User.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", flat=True) if as_queryset else [a.pk, b.pk]
    with django_capture_on_commit_callbacks(execute=True):
        archived = services.completions_archive(
            user_ids=user_ids, course_ids=[c1.pk, c2.pk], now=NOW, reason="Recertification window opened"
        )
    assert archived == 4
    assert calls == []
    remaining = set(CourseCompletion.objects.values_list("user_id", "course_id"))
    assert remaining == {(a.pk, other_course.pk), (b.pk, other_course.pk)} | {
        (other_user.pk, c.pk) for c in (c1, c2, other_course)
    }
    history = CourseCompletionHistory.objects.all()
    assert {(h.user_id, h.course_id) for h in history} == {(u.pk, c.pk) for u in (a, b) for c in (c1, c2)}
    assert {(h.completed_at, h.archived_at, h.reason) for h in history} == {(T0, NOW, "Recertification window opened")}


def test_archive_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    users = [UserFactory() for _ in range(20)]
    course = CourseFactory()
    for user in users:
        CourseCompletionFactory(user=user, course=course)
    with django_assert_max_num_queries(4):
        assert (
            services.completions_archive(
                user_ids=[u.pk for u in users], course_ids=[course.pk], now=NOW, reason="window"
            )
            == 20
        )


def test_archive_with_nothing_to_archive_returns_zero():
    assert services.completions_archive(user_ids=[], course_ids=[1], now=NOW, reason="window") == 0
