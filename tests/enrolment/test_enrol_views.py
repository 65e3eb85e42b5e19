"""Enrol, Enrolment details and Withdraw through the pages: plain posts and htmx dialogs (DOMAIN.md §4)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from assignments.models import AssignmentException, DueKind, GroupMember
from assignments.services import groups as services
from certifications.models import AuditEvent, Visibility
from tests.enrolment import builders

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def cert():
    return builders.certification(fullname="Forklift safety")


def test_one_group_dialog_shows_description_due_date_and_question(client, learner, cert):
    due = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    builders.group(
        cert, name="Warehouse", description="Covers the forklift course.", due_kind=DueKind.FIXED, due_fixed_at=due
    )
    client.force_login(learner)
    page = text(client.get(reverse("enrolment:enrol", args=[cert.pk]), **HTMX))
    assert page.lstrip().startswith("<dialog data-auto-open")
    assert "Covers the forklift course." in page
    assert "2030" in page
    assert "Are you sure you want to enrol in Forklift safety?" in page
    assert '<button type="submit" class="btn btn-primary" autofocus>Enrol</button>' in page
    assert "data-dialog-close" in page


def test_dialog_is_also_a_plain_page(client, learner, cert):
    builders.group(cert)
    client.force_login(learner)
    page = text(client.get(reverse("enrolment:enrol", args=[cert.pk])))
    assert "<dialog" not in page and "<!doctype html>" in page
    assert "Are you sure you want to enrol in Forklift safety?" in page


def test_relative_due_date_not_yet_known_is_shown_in_words(client, learner, cert):
    builders.group(cert, due_kind=DueKind.RELATIVE, due_amount=3, due_unit="months", due_event="first_login")
    client.force_login(learner)
    assert "Complete within 3 months of First login" in text(client.get(reverse("enrolment:enrol", args=[cert.pk])))


def test_due_date_relative_to_enrolling_is_computed(client, learner, cert):
    builders.group(cert, due_kind=DueKind.RELATIVE, due_amount=2, due_unit="years", due_event="assignment_date")
    client.force_login(learner)
    with time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        page = text(client.get(reverse("enrolment:enrol", args=[cert.pk])))
    assert "2028" in page and "Complete within" not in page


def test_several_groups_are_listed_each_with_enrol_then_confirmed(client, learner, cert):
    first = builders.group(cert, name="Day shift", description="Mornings")
    builders.group(cert, name="Night shift", description="Evenings")
    builders.group(cert, name="Closed", allow_enrol=False)
    client.force_login(learner)
    page = text(client.get(reverse("enrolment:enrol", args=[cert.pk]), **HTMX))
    assert "Day shift" in page and "Night shift" in page and "Mornings" in page and "Closed" not in page
    assert page.count(">Enrol</button>") == 2
    confirm = text(client.get(reverse("enrolment:enrol", args=[cert.pk]), {"group": first.pk}, **HTMX))
    assert "Are you sure you want to enrol in Forklift safety?" in confirm and "Night shift" not in confirm
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": first.pk}, **HTMX)
    assert "You are enrolled in Forklift safety" in text(response)
    assert GroupMember.objects.get(user=learner).group == first


def test_plain_post_enrols_and_redirects_to_enrolment_details(client, learner, cert):
    group = builders.group(
        cert, name="Warehouse", due_kind=DueKind.FIXED, due_fixed_at=datetime(2031, 1, 2, 9, 0, tzinfo=UTC)
    )
    client.force_login(learner)
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk}, follow=True)
    page = text(response)
    assert response.redirect_chain[-1][0] == reverse("enrolment:enrolment_details", args=[cert.pk])
    assert "You are enrolled in Forklift safety" in page and "Warehouse" in page and "2031" in page
    assert "Withdraw" in page


def test_double_submit_gives_a_clear_message_and_one_membership(client, learner, cert):
    group = builders.group(cert)
    client.force_login(learner)
    client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk})
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk})
    assert response.status_code == 200
    assert "You are already enrolled in Forklift safety." in text(response) and "Nothing was changed." in text(response)
    assert GroupMember.objects.count() == 1


@pytest.mark.parametrize("bad", ["999999", "abc", ""])
def test_stale_or_bad_group_gives_a_clear_message(client, learner, cert, bad):
    builders.group(cert)
    client.force_login(learner)
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": bad})
    assert response.status_code == 200 and "Nothing was changed." in text(response)
    assert not GroupMember.objects.exists()


def test_group_of_another_certification_is_refused(client, learner, cert):
    builders.group(cert)
    elsewhere = builders.group(builders.certification())
    client.force_login(learner)
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": elsewhere.pk})
    assert f"That group does not belong to {cert.fullname}." in text(response)
    assert "no longer exists" not in text(response) and not GroupMember.objects.exists()


def test_group_closed_after_the_dialog_opened(client, learner, cert):
    group = builders.group(cert, name="Warehouse")
    client.force_login(learner)
    client.get(reverse("enrolment:enrol", args=[cert.pk]))
    group.allow_enrol = False
    group.save()
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk})
    assert "The group &#x27;Warehouse&#x27; no longer allows learners to enrol." in text(response)
    assert not GroupMember.objects.exists()
    stale_choice = text(client.get(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk}))
    assert "No group of Forklift safety takes enrolments now." in stale_choice


def test_certification_hidden_after_the_dialog_opened_is_404(client, learner, cert):
    group = builders.group(cert)
    client.force_login(learner)
    cert.visibility = Visibility.NONE
    cert.save()
    assert client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk}).status_code == 404
    assert not GroupMember.objects.exists()


def test_withdraw_asks_then_withdraws(client, learner, cert):
    group = builders.group(cert, name="Warehouse")
    services.group_enrol(group=group, learner=learner)
    client.force_login(learner)
    confirm = text(client.get(reverse("enrolment:withdraw", args=[cert.pk]), **HTMX))
    assert "Are you sure you want to withdraw from Forklift safety?" in confirm
    response = client.post(reverse("enrolment:withdraw", args=[cert.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("enrolment:overview", args=[cert.pk])
    assert not GroupMember.objects.exists()
    assert AuditEvent.objects.filter(subject="group_membership", action="withdrawn", actor=learner).exists()


def test_no_withdraw_where_the_group_does_not_allow_it(client, learner, cert):
    group = builders.group(cert, name="Warehouse", allow_withdraw=False)
    services.group_enrol(group=group, learner=learner)
    client.force_login(learner)
    details = text(client.get(reverse("enrolment:enrolment_details", args=[cert.pk])))
    assert "does not allow learners to withdraw" in details and ">Withdraw<" not in details
    response = client.post(reverse("enrolment:withdraw", args=[cert.pk]))
    assert "does not allow learners to withdraw" in text(response)
    assert GroupMember.objects.filter(user=learner).exists()


def test_withdraw_twice_says_nothing_changed(client, learner, cert):
    group = builders.group(cert)
    services.group_enrol(group=group, learner=learner)
    client.force_login(learner)
    client.post(reverse("enrolment:withdraw", args=[cert.pk]))
    response = client.post(reverse("enrolment:withdraw", args=[cert.pk]))
    assert "nothing was changed" in text(response)


def test_another_learner_cannot_see_or_withdraw_my_enrolment(client, learner, other_learner, cert):
    group = builders.group(cert)
    services.group_enrol(group=group, learner=learner)
    client.force_login(other_learner)
    assert client.get(reverse("enrolment:enrolment_details", args=[cert.pk])).status_code == 404
    client.post(reverse("enrolment:withdraw", args=[cert.pk]))
    assert GroupMember.objects.filter(user=learner).exists()


def test_details_show_group_description_date_and_due(client, learner, cert):
    group = builders.group(
        cert,
        name="Warehouse",
        description="About the group",
        due_kind=DueKind.FIXED,
        due_fixed_at=datetime(2032, 2, 3, 10, 0, tzinfo=UTC),
    )
    services.group_enrol(group=group, learner=learner, now=datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    client.force_login(learner)
    page = text(client.get(reverse("enrolment:enrolment_details", args=[cert.pk]), **HTMX))
    for part in ("Enrolment details", "Warehouse", "About the group", "2026", "2032", "Withdraw"):
        assert part in page


def test_enrolled_learner_sees_hidden_to_others_enrolled_only_certification(client, learner, cert):
    group = builders.group(cert)
    services.group_enrol(group=group, learner=learner)
    cert.visibility = Visibility.ENROLLED
    cert.save()
    client.force_login(learner)
    assert client.get(reverse("enrolment:overview", args=[cert.pk])).status_code == 200


def test_get_of_enrol_when_already_enrolled(client, learner, cert):
    services.group_enrol(group=builders.group(cert), learner=learner)
    client.force_login(learner)
    assert "You are already enrolled" in text(client.get(reverse("enrolment:enrol", args=[cert.pk])))


def test_unsupported_method_is_refused(client, learner, cert):
    client.force_login(learner)
    assert client.put(reverse("enrolment:enrol", args=[cert.pk])).status_code == 405


def test_outcome_and_details_explain_an_enrolment_awaiting_an_administrator(client, learner, cert):
    from certifications.models import CourseSet
    from tests.factories.courses import CourseFactory

    CourseSet.objects.create(certification=cert, minimum_time_days=30).courses.add(CourseFactory())
    group = builders.group(cert, due_kind=DueKind.FIXED, due_fixed_at=datetime(2026, 6, 3, tzinfo=UTC))
    client.force_login(learner)
    with time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        outcome = text(client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": group.pk}, **HTMX))
        details = text(client.get(reverse("enrolment:enrolment_details", args=[cert.pk])))
        overview = text(client.get(reverse("enrolment:overview", args=[cert.pk])))
    reason = AssignmentException.objects.get(user=learner).reason
    for page in (outcome, details):
        assert "Your enrolment is awaiting a site administrator." in page
        assert escape(reason) in page
    assert "Enrolment details" in overview and ">Enrol</a>" not in overview
