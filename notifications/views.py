"""The Messages tab (site administrators), and each user's Notifications and preferences.

The tab's URLs answer 404 to anyone but a site administrator, like a missing certification; a
notification that is not the viewer's answers 404 too.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from certifications.models import CertificationRecord
from certifications.permissions import certification_for_admin, site_admin_required
from certlms.dialogs import dialog, leave_dialog

from .errors import MessageTextError
from .forms import MessageForm, PreferenceForm, PreviewForm
from .models import CertificationMessage, Notification, NotificationPreference
from .placeholders import PLACEHOLDERS
from .selectors import certification_messages, notifications_for, recent_messages
from .services import message_update
from .services.rendering import group_names, message_values, rendered, user_timezone

PREVIEW_LEARNERS = 200


@site_admin_required
def messages_tab(request: HttpRequest, certification_id: int) -> HttpResponse:
    certification = certification_for_admin(certification_id)
    return render(
        request,
        "notifications/tab.html",
        {
            "certification": certification,
            "active_tab": "Messages",
            "nav": "admin",
            "messages_list": certification_messages(certification.pk),
            "recent": recent_messages(certification.pk),
        },
    )


def _preview(message, data, learner) -> tuple[str, str]:
    """The message as ``learner`` would read it, with the subject and body being edited."""
    record = CertificationRecord.objects.filter(user=learner, certification_id=message.certification_id).first()
    key = (learner.pk, message.certification_id)
    values = message_values(
        learner=learner,
        certification=message.certification,
        record=record,
        group_name=group_names({key}).get(key, ""),
        tz=user_timezone(learner),
    )
    draft = CertificationMessage(subject=data.get("subject", ""), body=data.get("body", ""))
    return rendered(draft, values)


@site_admin_required
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The edit dialog: Enabled, Subject, Body (with the placeholders' help), offset, manager's copy;
    **Preview** shows the text as a chosen learner would read it; **Save** saves."""
    message = get_object_or_404(CertificationMessage.objects.select_related("certification"), pk=pk)
    certification = message.certification
    learners = (
        get_user_model()
        .objects.filter(pk__in=CertificationRecord.objects.filter(certification=certification).values("user_id"))
        .order_by("last_name", "first_name", "username")
    )
    form = MessageForm(request.POST if request.method == "POST" else None, instance=message)
    preview_form = PreviewForm(
        request.POST if request.method == "POST" else None, learners=learners, shown=PREVIEW_LEARNERS
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            if preview_form.is_valid() and preview_form.cleaned_data["learner"]:
                preview = _preview(message, form.cleaned_data, preview_form.cleaned_data["learner"])
            else:
                preview_form.add_error("learner", "Choose a learner to preview the message for.")
        else:
            try:
                message_update(message=message, **form.cleaned_data)
            except MessageTextError as error:
                for field, problems in error.problems.items():
                    for problem in problems:
                        form.add_error(field, problem)
            else:
                messages.success(request, f"Message {message.get_type_display()} saved.")
                url = reverse("notifications:tab", args=[certification.pk])
                return leave_dialog(request, url)
    context = {
        "certification": certification,
        "message": message,
        "form": form,
        "preview_form": preview_form,
        "preview": preview,
        "placeholders": PLACEHOLDERS,
    }
    return dialog(request, "notifications/_message_form.html", context, page="notifications/dialog_page.html")


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "nav": "notifications"})


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification's link; it counts as read."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return _back(request)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"{marked} notification(s) marked as read." if marked else "Nothing was unread.")
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    preference = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user
    )
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("preferences")
    return render(request, "notifications/preferences.html", {"form": form, "nav": "preferences"})
