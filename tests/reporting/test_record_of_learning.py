"""Record of learning → Certifications: the learner's own certifications, as the administrator configured them."""

import pytest
from django.urls import reverse

from reporting.services import RECORD_OF_LEARNING_COLUMNS, record_of_learning_report

from .test_builder import edit_data

pytestmark = pytest.mark.django_db


def headings(response):
    return [c.heading for c in response.context["run"].columns]


def test_record_of_learning_shows_the_learners_own_certifications(client, world):
    client.force_login(world.deep)
    response = client.get(reverse("reporting:record_of_learning"))
    assert response.status_code == 200
    assert headings(response) == [
        "Certification", "Due date", "Path", "Status", "Renewal status", "Window opens", "Expiry date",
        "Completion date", "Previous completions", "Progress",
    ]  # fmt: skip
    assert [row[0] for row in response.context["page"].cells] == ["Fire safety"]
    html = response.content.decode()
    assert "Certifications" in html and "First aid" not in html


def test_the_embedded_report_exists_from_the_migration(db):
    report = record_of_learning_report()
    assert [c["key"] for c in report.columns] == list(RECORD_OF_LEARNING_COLUMNS)


def test_a_learner_only_in_exception_sees_nothing(client, world):
    client.force_login(world.excepted)
    assert client.get(reverse("reporting:record_of_learning")).context["page"].cells == []


def test_administrators_own_record_of_learning_is_their_own_too(client, world, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("reporting:record_of_learning")).context["page"].cells == []


def test_admin_adds_assignment_columns_and_filter_and_every_learner_sees_them(client, world, admin_user):
    report = record_of_learning_report()
    client.force_login(admin_user)
    url = reverse("reporting:report_edit", args=[report.pk])
    client.post(url, edit_data(report, **{"add-add_column": "assignment_type"}))
    report.refresh_from_db()
    client.post(url, edit_data(report, **{"add-add_column": "assignment_name", "add-add_filter": "assignment_type"}))

    client.force_login(world.deep)
    response = client.get(reverse("reporting:record_of_learning"))
    assert headings(response)[-2:] == ["Assignment type", "Assignment name"]
    assert response.context["page"].cells[0][-2:] == ["Audience; Group", "All staff; Fire wardens"]
    assert 'name="assignment_type"' in response.content.decode()
    assert client.get(reverse("reporting:record_of_learning") + "?assignment_type=group").context["page"].cells
    assert client.get(reverse("reporting:record_of_learning") + "?assignment_type=position").context["page"].cells == []

    client.force_login(world.direct)
    response = client.get(reverse("reporting:record_of_learning"))
    assert response.context["page"].cells[0][-2:] == ["Organisation", "Engineering"]


def test_record_of_learning_export_has_only_own_rows(client, world):
    client.force_login(world.direct)
    response = client.get(reverse("reporting:record_of_learning_export", args=["csv"]))
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Fire safety")
