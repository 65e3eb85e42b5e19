import datetime as dt

import pytest
from django.utils import timezone

from certifications.models import Certification, Visibility
from certifications.visibility import register_enrolled_source, unregister_enrolled_source
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory
from tests.factories.directory import AudienceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin_user):
    audience = AudienceFactory()
    member = UserFactory()
    audience.members.add(member)
    return {"learner": UserFactory(), "assigned": UserFactory(), "member": member, "admin": admin_user}, audience


def visible(user, certification):
    return Certification.objects.visible_to(user).filter(pk=certification.pk).exists()


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (Visibility.ALL, {"learner": True, "assigned": True, "member": True, "admin": True}),
        (Visibility.ENROLLED, {"learner": False, "assigned": True, "member": False, "admin": True}),
        (Visibility.ENROLLED_AND_AUDIENCES, {"learner": False, "assigned": True, "member": True, "admin": True}),
        (Visibility.NONE, {"learner": False, "assigned": False, "member": False, "admin": True}),
    ],
)
def test_visibility_modes(people, mode, expected):
    users, audience = people
    certification = CertificationFactory(visibility=mode)
    certification.visible_audiences.add(audience)
    CertificationRecordFactory(user=users["assigned"], certification=certification)
    assert {name: visible(user, certification) for name, user in users.items()} == expected


@pytest.mark.parametrize(
    ("available_from", "available_until", "expected"),
    [
        (None, None, True),
        (-1, None, True),
        (1, None, False),
        (None, 1, True),
        (None, -1, False),
        (-2, -1, False),
    ],
)
def test_availability_dates_apply_to_everyone_but_administrators(people, available_from, available_until, expected):
    users, _ = people
    now = timezone.now()

    def day(offset):
        return None if offset is None else now + dt.timedelta(days=offset)

    certification = CertificationFactory(available_from=day(available_from), available_until=day(available_until))
    CertificationRecordFactory(user=users["assigned"], certification=certification)
    assert visible(users["learner"], certification) is expected
    assert visible(users["assigned"], certification) is expected
    assert visible(users["admin"], certification) is True


def test_registered_enrolled_source_counts_as_enrolled(people):
    users, _ = people
    certification = CertificationFactory(visibility=Visibility.ENROLLED)

    def source(user):
        return Certification.objects.filter(pk=certification.pk if user == users["learner"] else 0).values("id")

    register_enrolled_source(source)
    try:
        assert visible(users["learner"], certification)
        assert not visible(users["member"], certification)
    finally:
        unregister_enrolled_source(source)
    assert not visible(users["learner"], certification)


def test_visible_to_is_one_query(people, django_assert_num_queries):
    users, _ = people
    CertificationFactory.create_batch(3, visibility=Visibility.ENROLLED_AND_AUDIENCES)
    user = users["learner"]
    user._certlms_is_site_admin = False
    with django_assert_num_queries(1):
        list(Certification.objects.visible_to(user))


def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    CertificationFactory()
    assert not Certification.objects.visible_to(AnonymousUser()).exists()
