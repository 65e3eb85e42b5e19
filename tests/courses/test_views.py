import pytest
from django.urls import reverse

from courses import signals
from courses.models import CourseCompletion
from tests.factories.courses import CourseCompletionFactory, CourseFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    course = CourseFactory()
    for url in (reverse("courses:detail", args=[course.pk]), reverse("courses:mark_complete", args=[course.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_course_page_offers_mark_as_complete_when_allowed(client, learner):
    course = CourseFactory(fullname="Fire safety", allow_self_completion=True)
    client.force_login(learner)
    html = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert "Fire safety" in html and "Mark as complete" in html


def test_course_page_has_no_button_when_not_allowed(client, learner):
    course = CourseFactory(allow_self_completion=False)
    client.force_login(learner)
    assert "Mark as complete" not in client.get(reverse("courses:detail", args=[course.pk])).content.decode()


def test_unknown_course_is_404(client, learner):
    client.force_login(learner)
    assert client.get(reverse("courses:detail", args=[999999])).status_code == 404
    assert client.post(reverse("courses:mark_complete", args=[999999])).status_code == 404


def test_mark_as_complete_records_the_completion_and_signals(
    client, learner, capture_signal, django_capture_on_commit_callbacks
):
    course = CourseFactory(allow_self_completion=True)
    client.force_login(learner)
    calls = capture_signal(signals.course_completed)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:mark_complete", args=[course.pk]), follow=True)
    assert CourseCompletion.objects.filter(user=learner, course=course).exists()
    assert calls == [{"user_id": learner.pk, "course_id": course.pk, "actor_id": learner.pk}]
    html = response.content.decode()
    assert "Completed on" in html and "Mark as complete" not in html


def test_mark_as_complete_twice_keeps_the_first_time(client, learner):
    course = CourseFactory(allow_self_completion=True)
    first = CourseCompletionFactory(user=learner, course=course)
    client.force_login(learner)
    client.post(reverse("courses:mark_complete", args=[course.pk]))
    assert CourseCompletion.objects.get(user=learner, course=course).completed_at == first.completed_at


def test_mark_as_complete_is_post_only(client, learner):
    course = CourseFactory(allow_self_completion=True)
    client.force_login(learner)
    assert client.get(reverse("courses:mark_complete", args=[course.pk])).status_code == 405
    assert not CourseCompletion.objects.exists()


def test_mark_as_complete_is_404_when_the_course_does_not_allow_it(client, learner):
    course = CourseFactory(allow_self_completion=False)
    client.force_login(learner)
    assert client.post(reverse("courses:mark_complete", args=[course.pk])).status_code == 404
    assert not CourseCompletion.objects.exists()
