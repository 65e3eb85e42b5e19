import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(reverse("site_administration"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_learner_sees_navigation_without_site_administration(client, learner):
    client.force_login(learner)
    response = client.get(reverse("home"), follow=True)
    html = response.content.decode()
    for label in ("Catalogue", "Record of learning", "Reports", "Sign out"):
        assert label in html
    assert "Site administration" not in html


def test_learner_gets_404_on_site_administration(client, learner):
    client.force_login(learner)
    assert client.get(reverse("site_administration")).status_code == 404


def test_site_admin_sees_site_administration(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("site_administration"))
    assert response.status_code == 200
    assert "Site administration" in response.content.decode()


def test_missing_page_renders_in_layout(client, learner):
    client.force_login(learner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_login_records_first_login_once(client, learner):
    from directory.models import LearnerProfile

    client.post(reverse("login"), {"username": "learnerone", "password": "password"})
    first = LearnerProfile.objects.get(user=learner).first_login_at
    assert first is not None
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "learnerone", "password": "password"})
    assert LearnerProfile.objects.get(user=learner).first_login_at == first


def test_manager_gets_404_on_administration_pages(client):
    from tests.factories.directory import JobAssignmentFactory, UserFactory

    manager = UserFactory()
    JobAssignmentFactory(manager=manager)
    client.force_login(manager)
    for name in ("site_administration", "directory:import", "admin:index"):
        assert client.get(reverse(name)).status_code == 404
    html = client.get(reverse("home"), follow=True).content.decode()
    assert "Reports" in html and "Site administration" not in html


def test_superuser_is_a_site_administrator(client):
    from tests.factories.directory import UserFactory

    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("site_administration")).content.decode()
    assert "Site administration" in html and reverse("directory:import") in html


def test_anonymous_user_is_sent_to_sign_in_from_every_administration_page(client):
    for name in ("home", "site_administration", "directory:import", "admin:index"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name


def test_inactive_group_member_is_no_administrator(client):
    from directory.permissions import is_site_admin
    from tests.factories.directory import SiteAdminFactory

    user = SiteAdminFactory(is_active=False)
    assert not is_site_admin(user)
