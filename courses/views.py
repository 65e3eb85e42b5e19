"""The learner's course page: the course, their completion, "Mark as complete" when the course allows
it, and links back to the certifications that contain it (``courses.pages``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import services
from .models import Course, CourseCompletion
from .pages import certification_links


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id)
    completion = CourseCompletion.objects.filter(user=request.user, course=course).first()
    links = certification_links(course=course, user=request.user)
    context = {"course": course, "completion": completion, "certification_links": links, "nav": "current"}
    return render(request, "courses/course_detail.html", context)


@login_required
@require_POST
def course_mark_complete(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id, allow_self_completion=True)
    if not CourseCompletion.objects.filter(user=request.user, course=course).exists():
        services.course_complete(
            user_id=request.user.pk, course_id=course.pk, completed_at=timezone.now(), actor=request.user
        )
        messages.success(request, f"You have completed {course.fullname}.")
    return redirect("courses:detail", course_id=course.pk)
