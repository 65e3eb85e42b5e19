"""Site administrators build reports: create; choose, order and rename columns; filters, rules; copy, delete."""

import pytest
from django.urls import reverse

from reporting.models import AccessRule, ContentRule, Report
from reporting.services import record_of_learning_report

pytestmark = pytest.mark.django_db


def edit_data(report, **changes):
    """The edit form as the page posts it, with ``changes`` applied."""
    data = {
        "report-name": report.name,
        "report-default_sort": report.default_sort or "id",
        "report-access": report.access,
        "report-content": report.content,
        "columns-TOTAL_FORMS": len(report.columns),
        "columns-INITIAL_FORMS": len(report.columns),
        "filters-TOTAL_FORMS": len(report.filters),
        "filters-INITIAL_FORMS": len(report.filters),
        "add-add_column": "",
        "add-add_filter": "",
    }
    for i, column in enumerate(report.columns):
        data[f"columns-{i}-key"] = column["key"]
        data[f"columns-{i}-heading"] = column["heading"]
        data[f"columns-{i}-position"] = i + 1
    for i, key in enumerate(report.filters):
        data[f"filters-{i}-key"] = key
    data.update(changes)
    return data


def test_administrator_creates_a_report_from_a_source(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("reporting:report_create"), {"name": "Team", "source": "certification_membership"})
    report = Report.objects.get(name="Team")
    assert response["Location"] == reverse("reporting:report_edit", args=[report.pk])
    assert [c["key"] for c in report.columns][:2] == ["user_name", "certification_fullname"]
    assert report.access == AccessRule.ADMINS


def test_create_needs_a_known_source(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("reporting:report_create"), {"name": "Team", "source": "nope"})
    assert response.status_code == 200
    assert not Report.objects.filter(name="Team").exists()


def test_edit_adds_renames_reorders_and_removes_columns_and_sets_filters_and_rules(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("reporting:report_create"), {"name": "Team", "source": "certification_overview"})
    report = Report.objects.get(name="Team")
    url = reverse("reporting:report_edit", args=[report.pk])
    data = edit_data(
        report,
        **{
            "report-name": "My team",
            "report-access": AccessRule.MANAGERS,
            "report-content": ContentRule.STAFF,
            "report-default_sort": "due_date",
            "report-default_sort_descending": "on",
            "columns-0-heading": "Learner",
            "columns-0-position": 9,
            "columns-1-remove": "on",
            "add-add_column": "assignment_type",
            "add-add_filter": "assignment_type",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302
    report.refresh_from_db()
    keys = [c["key"] for c in report.columns]
    assert keys == ["path", "status", "due_date", "progress", "user_name", "assignment_type"]
    assert report.columns[4] == {"key": "user_name", "heading": "Learner"}
    assert report.filters == ["assignment_type"]
    assert (report.name, report.access, report.content) == ("My team", "managers", "staff")
    assert (report.default_sort, report.default_sort_descending) == ("due_date", True)
    page = client.get(reverse("reporting:report_view", args=[report.pk])).content.decode()
    assert "Learner" in page and "Assignment type" in page


def test_edit_refuses_a_column_the_source_does_not_have(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("reporting:report_create"), {"name": "Team", "source": "certification_overview"})
    report = Report.objects.get(name="Team")
    response = client.post(
        reverse("reporting:report_edit", args=[report.pk]), edit_data(report, **{"add-add_column": "x"})
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert "x" not in [c["key"] for c in report.columns]


def test_copy_and_delete(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("reporting:report_create"), {"name": "Team", "source": "certification_overview"})
    report = Report.objects.get(name="Team")
    client.post(reverse("reporting:report_copy", args=[report.pk]))
    copy = Report.objects.get(name="Copy of Team")
    assert copy.columns == report.columns
    assert client.get(reverse("reporting:report_delete", args=[copy.pk])).status_code == 200
    client.post(reverse("reporting:report_delete", args=[copy.pk]))
    assert not Report.objects.filter(pk=copy.pk).exists()


def test_embedded_report_cannot_be_deleted_and_keeps_its_rules(client, admin_user):
    client.force_login(admin_user)
    report = record_of_learning_report()
    assert client.post(reverse("reporting:report_delete", args=[report.pk])).status_code == 404
    client.post(
        reverse("reporting:report_edit", args=[report.pk]),
        edit_data(report, **{"report-access": AccessRule.ADMINS, "report-content": ContentRule.ALL}),
    )
    report.refresh_from_db()
    assert (report.access, report.content, report.name) == ("all", "own", "Record of Learning: Certifications")


def test_site_administration_links_to_the_record_of_learning_report(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("site_administration")).content.decode()
    assert "Record of Learning: Certifications" in html
    response = client.get(reverse("reporting:record_of_learning_edit"))
    assert response["Location"] == reverse("reporting:report_edit", args=[record_of_learning_report().pk])
