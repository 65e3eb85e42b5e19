"""Background work on the Assignments tab: what runs, who started it, when, how far, how long (issue 11)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from assignments.models import RecomputeJob
from assignments.selectors import JOB_FOLD_AFTER, duration_words, recent_jobs
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import SiteAdminFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 3, 2, 17, 0, tzinfo=dt.UTC)


def job(certification, *, started, **fields):
    with time_machine.travel(started, tick=False):
        return RecomputeJob.objects.create(certification=certification, description="Recomputing", **fields)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "less than a second"), (45, "45 s"), (185, "3 min 5 s"), (7800, "2 h 10 min")],
)
def test_durations_read_in_words(seconds, words):
    assert duration_words(dt.timedelta(seconds=seconds)) == words


def test_a_running_job_says_who_started_it_how_far_it_is_and_for_how_long():
    cert, ada = CertificationFactory(), SiteAdminFactory(first_name="Ada", last_name="Admin")
    job(cert, started=NOW - dt.timedelta(seconds=90), actor=ada, status="running", total=4, done=1)
    (line,) = recent_jobs(cert, now=NOW)["jobs"]
    assert (line.started_by, line.percent, line.took, line.active) == ("Ada Admin", 25, "1 min 30 s", True)


def test_finished_lines_fold_away_after_a_while_and_polling_stops():
    cert = CertificationFactory()
    old = job(cert, started=NOW - dt.timedelta(hours=1), status="done", finished_at=NOW - JOB_FOLD_AFTER * 2)
    fresh = job(cert, started=NOW - dt.timedelta(minutes=2), status="done", finished_at=NOW - dt.timedelta(minutes=1))
    lines = recent_jobs(cert, now=NOW)
    assert [line.job for line in lines["jobs"]] == [fresh]
    assert [line.job for line in lines["earlier_jobs"]] == [old]
    assert lines["polling"] is False
    assert lines["jobs"][0].took == "1 min 0 s" and lines["jobs"][0].started_by == "The system"


def test_recompute_now_confirms_what_it_started_and_the_tab_shows_the_line(client):
    ada = SiteAdminFactory(first_name="Ada", last_name="Admin")
    cert = CertificationFactory(fullname="Fire safety")
    client.force_login(ada)
    page = client.post(reverse("assignments:recompute", args=[cert.pk]), follow=True).content.decode()
    assert "Recomputing every assignment of Fire safety started; its progress shows below." in page
    assert "Started by Ada Admin on" in page
    assert RecomputeJob.objects.get().actor == ada
