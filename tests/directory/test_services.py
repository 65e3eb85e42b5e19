"""Directory services: each change sends its signal once, after commit, with the right ids."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from directory import services, signals
from directory.models import AudienceMember, JobAssignment, LearnerProfile, ProfileDateValue
from outbox.models import OutboxMessage
from tests.factories.directory import (
    AudienceFactory,
    JobAssignmentFactory,
    OrganisationFactory,
    ProfileDateFieldFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block as if its transaction committed (on_commit callbacks execute)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- Job assignments ---


def test_creating_a_job_assignment_signals_its_user(capture_signal, committed):
    calls = capture_signal(signals.job_assignments_changed)
    user = UserFactory()
    with committed():
        services.job_assignment_save(job_assignment=JobAssignment(user=user, organisation=OrganisationFactory()))
    assert calls == [{"user_ids": [user.pk], "actor_id": None}]


def test_changing_a_job_assignment_signals_once(capture_signal, committed):
    ja = JobAssignmentFactory()
    calls = capture_signal(signals.job_assignments_changed)
    ja.manager = UserFactory()
    ja.start_date = datetime.date(2026, 1, 5)
    with committed():
        services.job_assignment_save(job_assignment=ja)
    assert calls == [{"user_ids": [ja.user_id], "actor_id": None}]


def test_saving_an_unchanged_job_assignment_sends_nothing(capture_signal, committed):
    ja = JobAssignmentFactory(organisation=OrganisationFactory())
    calls = capture_signal(signals.job_assignments_changed)
    ja.fullname = "Only the title changed"
    with committed():
        services.job_assignment_save(job_assignment=ja)
    assert calls == []
    assert JobAssignment.objects.get(pk=ja.pk).fullname == "Only the title changed"


def test_moving_a_job_assignment_to_another_user_signals_both(capture_signal, committed):
    ja = JobAssignmentFactory()
    old_user, new_user = ja.user, UserFactory()
    calls = capture_signal(signals.job_assignments_changed)
    ja.user = new_user
    with committed():
        services.job_assignment_save(job_assignment=ja)
    assert calls == [{"user_ids": sorted([old_user.pk, new_user.pk]), "actor_id": None}]


def test_deleting_a_job_assignment_signals_its_user(capture_signal, committed):
    ja = JobAssignmentFactory()
    calls = capture_signal(signals.job_assignments_changed)
    with committed():
        services.job_assignment_delete(job_assignment=ja)
    assert calls == [{"user_ids": [ja.user_id], "actor_id": None}]
    assert not JobAssignment.objects.filter(pk=ja.pk).exists()


def test_saving_several_job_assignments_signals_once(capture_signal, committed):
    a, b = UserFactory(), UserFactory()
    gone = JobAssignmentFactory()
    calls = capture_signal(signals.job_assignments_changed)
    with committed():
        services.job_assignments_save(
            job_assignments=[JobAssignment(user=a), JobAssignment(user=b), JobAssignment(user=a)], deleted=[gone]
        )
    assert calls == [{"user_ids": sorted([a.pk, b.pk, gone.user_id]), "actor_id": None}]


def test_a_user_cannot_manage_themselves():
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.job_assignment_save(job_assignment=JobAssignment(user=user, manager=user))


def test_rolled_back_job_assignment_leaves_no_work(capture_signal, run_rolled_back):
    calls = capture_signal(signals.job_assignments_changed, as_work=True)
    user = UserFactory()
    callbacks = run_rolled_back(
        lambda: services.job_assignment_save(job_assignment=JobAssignment(user=user)),
    )
    assert len(calls) == 1  # sent inside the transaction…
    assert callbacks == [] and not OutboxMessage.objects.exists()  # …so its work rolled back with it
    assert not JobAssignment.objects.filter(user=user).exists()


# --- Audiences ---


def test_adding_members_signals_only_the_new_ones(capture_signal, committed):
    audience = AudienceFactory()
    existing, new1, new2 = UserFactory(), UserFactory(), UserFactory()
    AudienceMember.objects.create(audience=audience, user=existing)
    calls = capture_signal(signals.audience_members_changed)
    with committed():
        added = services.audience_members_add(audience_id=audience.pk, user_ids=[existing.pk, new1.pk, new2.pk])
    assert added == sorted([new1.pk, new2.pk])
    assert calls == [{"audience_id": audience.pk, "user_ids": sorted([new1.pk, new2.pk]), "actor_id": None}]
    assert set(audience.members.all()) == {existing, new1, new2}


def test_removing_members_signals_only_former_members(capture_signal, committed):
    audience = AudienceFactory()
    member, outsider = UserFactory(), UserFactory()
    AudienceMember.objects.create(audience=audience, user=member)
    calls = capture_signal(signals.audience_members_changed)
    with committed():
        services.audience_members_remove(audience_id=audience.pk, user_ids=[member.pk, outsider.pk])
    assert calls == [{"audience_id": audience.pk, "user_ids": [member.pk], "actor_id": None}]
    assert not audience.members.exists()


def test_adding_and_removing_together_signals_once(capture_signal, committed):
    audience = AudienceFactory()
    leaving, joining = UserFactory(), UserFactory()
    AudienceMember.objects.create(audience=audience, user=leaving)
    calls = capture_signal(signals.audience_members_changed)
    with committed():
        services.audience_members_change(
            audience_id=audience.pk, add_user_ids=[joining.pk], remove_user_ids=[leaving.pk]
        )
    assert calls == [{"audience_id": audience.pk, "user_ids": sorted([leaving.pk, joining.pk]), "actor_id": None}]


def test_no_change_to_members_sends_nothing(capture_signal, committed):
    audience = AudienceFactory()
    member = UserFactory()
    AudienceMember.objects.create(audience=audience, user=member)
    calls = capture_signal(signals.audience_members_changed)
    with committed():
        services.audience_members_add(audience_id=audience.pk, user_ids=[member.pk])
        services.audience_members_remove(audience_id=audience.pk, user_ids=[UserFactory().pk])
    assert calls == []


def test_rolled_back_membership_leaves_no_work(capture_signal, run_rolled_back):
    audience = AudienceFactory()
    user = UserFactory()
    calls = capture_signal(signals.audience_members_changed, as_work=True)
    callbacks = run_rolled_back(
        lambda: services.audience_members_add(audience_id=audience.pk, user_ids=[user.pk]),
    )
    assert len(calls) == 1  # sent inside the transaction…
    assert callbacks == [] and not OutboxMessage.objects.exists()  # …so its work rolled back with it
    assert not audience.members.exists()


def test_deleting_an_audience_signals_its_former_members(capture_signal, committed):
    audience = AudienceFactory()
    members = [UserFactory(), UserFactory()]
    for user in members:
        AudienceMember.objects.create(audience=audience, user=user)
    audience_id = audience.pk
    calls = capture_signal(signals.audience_members_changed)
    with committed():
        services.audience_delete(audience=audience)
    assert calls == [{"audience_id": audience_id, "user_ids": sorted(u.pk for u in members), "actor_id": None}]


# --- Profile dates ---


def test_setting_a_profile_date_signals(capture_signal, committed):
    field, user = ProfileDateFieldFactory(), UserFactory()
    calls = capture_signal(signals.profile_date_changed)
    with committed():
        assert services.profile_date_set(user_id=user.pk, field_id=field.pk, value=datetime.date(2026, 3, 1))
    assert calls == [{"user_id": user.pk, "field_id": field.pk, "actor_id": None}]
    assert ProfileDateValue.objects.get(user=user, field=field).value == datetime.date(2026, 3, 1)


def test_changing_a_profile_date_signals_and_same_value_does_not(capture_signal, committed):
    field, user = ProfileDateFieldFactory(), UserFactory()
    services.profile_date_set(user_id=user.pk, field_id=field.pk, value=datetime.date(2026, 3, 1))
    calls = capture_signal(signals.profile_date_changed)
    with committed():
        assert not services.profile_date_set(user_id=user.pk, field_id=field.pk, value=datetime.date(2026, 3, 1))
    assert calls == []
    with committed():
        services.profile_date_set(user_id=user.pk, field_id=field.pk, value=datetime.date(2026, 4, 1))
    assert calls == [{"user_id": user.pk, "field_id": field.pk, "actor_id": None}]


def test_removing_a_profile_date_signals(capture_signal, committed):
    field, user = ProfileDateFieldFactory(), UserFactory()
    services.profile_date_set(user_id=user.pk, field_id=field.pk, value=datetime.date(2026, 3, 1))
    calls = capture_signal(signals.profile_date_changed)
    with committed():
        assert services.profile_date_remove(user_id=user.pk, field_id=field.pk)
        assert not services.profile_date_remove(user_id=user.pk, field_id=field.pk)
    assert calls == [{"user_id": user.pk, "field_id": field.pk, "actor_id": None}]


def test_rolled_back_profile_date_leaves_no_work(capture_signal, run_rolled_back):
    field, user = ProfileDateFieldFactory(), UserFactory()
    calls = capture_signal(signals.profile_date_changed, as_work=True)
    callbacks = run_rolled_back(
        lambda: services.profile_date_set(user_id=user.pk, field_id=field.pk, value=datetime.date(2026, 3, 1)),
    )
    assert len(calls) == 1  # sent inside the transaction…
    assert callbacks == [] and not OutboxMessage.objects.exists()  # …so its work rolled back with it


# --- First login ---


def test_first_login_is_recorded_once_and_signalled_once(capture_signal, committed):
    user = UserFactory()
    calls = capture_signal(signals.first_login)
    first = datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC)
    with committed():
        assert services.user_record_first_login(user_id=user.pk, at=first)
        assert not services.user_record_first_login(user_id=user.pk, at=first + datetime.timedelta(days=1))
    assert calls == [{"user_id": user.pk, "actor_id": user.pk}]
    assert LearnerProfile.objects.get(user=user).first_login_at == first


def test_signing_in_sends_first_login_once(client, capture_signal, django_capture_on_commit_callbacks):
    user = UserFactory(username="firsttimer")
    calls = capture_signal(signals.first_login)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/login/", {"username": "firsttimer", "password": "password"})
        client.post("/accounts/logout/")
        client.post("/accounts/login/", {"username": "firsttimer", "password": "password"})
    assert calls == [{"user_id": user.pk, "actor_id": user.pk}]


def test_rolled_back_first_login_leaves_no_work(capture_signal, run_rolled_back):
    user = UserFactory()
    calls = capture_signal(signals.first_login, as_work=True)
    callbacks = run_rolled_back(lambda: services.user_record_first_login(user_id=user.pk))
    assert len(calls) == 1  # sent inside the transaction…
    assert callbacks == [] and not OutboxMessage.objects.exists()  # …so its work rolled back with it
