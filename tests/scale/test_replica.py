"""Reports on a real streaming replica (decision 0112): report pages, exports, the catalogue and
Record of learning read from it; a write followed by its page reads the primary; a replica that is
down leaves the product working on the primary."""

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications.models import CertificationRecord
from tests.factories.directory import SiteAdminFactory
from tests.reporting.conftest import build_world, make_report

from .conftest import replica_caught_up

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

RECORDS = CertificationRecord._meta.db_table


def reads(captured, table: str = RECORDS) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if f'"{table}"' in query["sql"]]


def get(client, url: str):
    """GET a page (a streamed export read to its end), capturing the queries on each database."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode(), primary, replica


@pytest.fixture
def reports(replica):
    world = build_world()
    admin = SiteAdminFactory(username="siteadmin")
    report = make_report("certification_overview", name="Everyone")
    replica_caught_up()
    return world, admin, report


def test_a_report_page_and_its_export_read_from_the_replica(reports, client):
    world, admin, report = reports
    client.force_login(admin)
    for url in (
        reverse("reporting:report_view", args=[report.pk]),
        reverse("reporting:report_export", args=[report.pk, "csv"]),
        reverse("reporting:report_chart", args=[report.pk]),
    ):
        response, body, primary, replica = get(client, url)
        assert response.status_code == 200, url
        assert reads(replica), f"{url}: the report's rows were not read from the replica"
        assert not reads(primary), f"{url}: the report's rows were read from the primary"
        assert "Fire safety" in body or url.endswith("/chart/")


def test_the_catalogue_and_record_of_learning_read_from_the_replica(reports, client):
    world, _, _ = reports
    client.force_login(world.deep)
    response, body, primary, replica = get(client, reverse("reporting:record_of_learning"))
    assert response.status_code == 200 and "Fire safety" in body
    assert reads(replica) and not reads(primary)
    response, body, primary, replica = get(client, reverse("enrolment:catalogue"))
    assert response.status_code == 200
    assert reads(replica, "certifications_certification")
    assert not reads(primary, "certifications_certification")


def test_a_write_followed_by_its_page_reads_the_primary(reports, client, replica):
    """With the replica's replay paused, the copy an administrator just made is not on the replica:
    their next page reads the primary and finds it; another visitor's page still reads the replica."""
    _, admin, report = reports
    client.force_login(admin)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        copied = client.post(reverse("reporting:report_copy", args=[report.pk]))
        assert copied.status_code == 302
        copy_id = int(copied.url.rstrip("/").split("/")[-2])
        url = reverse("reporting:report_view", args=[copy_id])

        response, body, primary, on_replica = get(client, url)
        assert response.status_code == 200 and "Copy of Everyone" in body
        assert reads(primary) and not reads(on_replica)

        other = Client()
        other.force_login(admin)  # a session of its own: no write of its own to wait for
        response, *_ = get(other, url)
        assert response.status_code == 404  # the replica does not have the copy yet: it was read there
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    replica_caught_up()
    response, body, primary, on_replica = get(client, url)
    assert response.status_code == 200 and "Copy of Everyone" in body
    assert reads(on_replica) and not reads(primary)  # caught up: back on the replica


def test_with_the_replica_down_the_pages_read_the_primary(replica_down, client):
    world = build_world()
    admin = SiteAdminFactory(username="siteadmin")
    report = make_report("certification_overview", name="Everyone")
    client.force_login(admin)
    for url in (
        reverse("reporting:report_view", args=[report.pk]),
        reverse("reporting:report_export", args=[report.pk, "csv"]),
        reverse("enrolment:catalogue"),
    ):
        with CaptureQueriesContext(connections["default"]) as primary:
            response = client.get(url)
            b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, url
        assert primary.captured_queries
    client.force_login(world.deep)
    response = client.get(reverse("reporting:record_of_learning"))
    assert response.status_code == 200 and "Fire safety" in response.content.decode()
