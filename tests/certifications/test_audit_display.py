import zoneinfo

from django.utils import timezone

from certifications.auditwords import event_words
from certifications.templatetags.certification_tabs import audit_values


def test_change_log_shows_labels_and_dates_in_the_viewers_timezone():
    values = {
        "status": "not_certified",
        "path": "recertification",
        "renewal_status": "due",
        "type": "audience",
        "due_date": "2027-02-28T23:30:00Z",
        "expiry_date": None,
        "name": "All staff",
    }
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        shown = dict(audit_values(values))
    assert shown["Status"] == "Not certified"
    assert shown["Path"] == "Recertification"
    assert shown["Renewal status"] == "Due"
    assert shown["Type"] == "Audience"
    assert shown["Due date"].startswith("1 Mar 2027")  # 23:30 UTC is the next day in Auckland
    assert shown["Expiry date"] == "—"
    assert shown["Name"] == "All staff"


def test_change_log_actions_read_as_words():
    assert event_words("route", "route_added") == "Assignment route: added"
