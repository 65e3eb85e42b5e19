"""No request ever answers 500: every URL pattern, for every role, with real, missing and junk input.

The demo data is loaded once per role (it runs eagerly under test settings); every pattern of
the project's resolver is requested with GET, junk query strings, an empty POST and a junk POST.
Path arguments are filled with real ids from the demo data and with an id that does not exist.
"""

import io
import itertools
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from assignments.models import Assignment, AssignmentType, Group
from certifications.models import Certification, CertificationRecordHistory, CourseSet
from courses.models import Course
from reporting.models import Report
from tests.admin_forms import admin_choice_keys, admin_post_data

pytestmark = pytest.mark.django_db

MISSING = 999999
JUNK_QUERY = "?page=abc&sort=nonsense&cursor=garbage&q=%00%ff&type=nope&status=-1&order=-"
JUNK_POST = {
    "q": "x" * 5000,
    "page": "-1",
    "due_date": "not a date",
    "due_kind": "nonsense",
    "due_amount": "-5",
    "user_id": "abc",
    "users": ["abc", str(MISSING)],
    "group": "xyz",
    "group_id": str(MISSING),
    "ids": ["x", str(MISSING)],
    "name": "x" * 5000,
    "status": "bogus",
    "path": "bogus",
    "columns": ["nonsense"],
    "completed_at": "31/02/2026",
    "expiry_date": "2026-13-45",
    "csv_file": "not a file",
}

# Each of these is posted (and sent as a query string) in every field of every form a page shows.
EDGE_VALUES = ["9999-12-31", "0001-01-01", "99999999999999999999", "-1", "2026-02-31T25:61", "x" * 300, "\x00"]

# Argument values per path argument name: the real ones are filled in from the demo data.
STR_VALUES = {
    "fmt": ["csv", "xlsx", "ods", "pdf"],
    "path": ["certification", "recertification", "nonsense"],
    "type": [*AssignmentType.values, "nonsense"],
}

# Only the demo logins' own pages may be shown to them under /site-admin/: the Django admin's login form.
NON_ADMIN_200_ALLOWED = ("/site-admin/django/login/", "/site-admin/django/logout/")


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if str(entry.pattern).startswith("site-admin/django/"):
                continue  # Django's own admin: its views are Django's, the directory's admin forms are tested apart.
            yield from _patterns(entry, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, list(entry.pattern.converters.items())


def _int_values():
    certification = Certification.objects.filter(records__isnull=False).order_by("pk").first()
    record_user = certification.records.order_by("pk").values_list("user_id", flat=True).first()
    group = Group.objects.order_by("pk").first()
    return {
        "pk": [certification.pk, group.pk, Assignment.objects.order_by("pk").first().pk, MISSING],
        "certification_id": [certification.pk, MISSING],
        "set_pk": [CourseSet.objects.order_by("pk").first().pk, MISSING],
        "user_pk": [record_user, MISSING],
        "user_id": [group.members.values_list("user_id", flat=True).first() or record_user, MISSING],
        "history_pk": [
            (CertificationRecordHistory.objects.order_by("pk").values_list("pk", flat=True).first() or MISSING),
            MISSING,
        ],
        "course_id": [Course.objects.order_by("pk").first().pk, MISSING],
        "report_id": [*Report.objects.order_by("pk").values_list("pk", flat=True)[:3], MISSING],
    }


def _urls():
    int_values = _int_values()
    urls = set()
    for name, converters in _patterns():
        choices = []
        for arg, converter in converters:
            if type(converter).__name__ == "IntConverter":
                choices.append([(arg, value) for value in int_values.get(arg, [1, MISSING])])
            else:
                choices.append([(arg, value) for value in STR_VALUES.get(arg, ["x"])])
        for combination in itertools.product(*choices):
            try:
                urls.add(reverse(name, kwargs=dict(combination)))
            except NoReverseMatch:
                continue
    return sorted(urls, key=lambda url: ("delete" in url, url))  # deletions last: the rest sees the data


@pytest.fixture
def demo():
    call_command("demo_data", stdout=io.StringIO())


def _client(role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))
    return client


@pytest.mark.parametrize("role", ["anonymous", "learner", "learner2", "manager", "admin"])
def test_no_url_answers_500_for_any_role_and_input(demo, role):
    client = _client(role)
    urls = _urls()
    assert len(urls) > 60
    failures = []
    for url in urls:
        if url.endswith("/logout/"):
            continue  # would end the session for the requests after it
        junk_query = JUNK_QUERY
        for method, target, data in (
            ("get", url, None),
            ("get", url + junk_query, None),
            ("post", url, {}),
            ("post", url + junk_query, JUNK_POST),
        ):
            response = getattr(client, method)(target, data) if data is not None else getattr(client, method)(target)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {target} -> {response.status_code}")
            if (
                role in ("learner", "learner2", "manager")
                and url.startswith("/site-admin/")
                and response.status_code == 200
                and not url.startswith(NON_ADMIN_200_ALLOWED)
            ):
                failures.append(f"{method.upper()} {target} -> 200 for {role}")
    assert failures == []


def _form_fields(response) -> list[str]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    return sorted(set(re.findall(r'name="([^"]+)"', response.content.decode())) - {"csrfmiddlewaretoken"})


def _edge_failures(role, urls):
    client = _client(role)
    failures = []
    for url in urls:
        fields = _form_fields(client.get(url))
        for value in EDGE_VALUES if fields else []:
            data = dict.fromkeys(fields, value)
            for method in ("get", "post"):
                response = getattr(client, method)(url, data)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} {value[:20]!r} -> {response.status_code}")
    return failures


@pytest.mark.parametrize("role", ["learner", "manager", "admin"])
def test_every_form_field_survives_edge_values(demo, role):
    """Dates out of range, ids beyond 64 bits, NUL characters: a form error or a 404, never a 500."""
    urls = [url for url in _urls() if "logout" not in url]
    assert _edge_failures(role, urls) == []


# Ids a browser never sends: not a number, a fraction, beyond 64 bits, a NUL.
JUNK_IDS = ["abc", "1.5", "99999999999999999999", "\x00", "[1]"]


def _admin_pages():
    from directory.models import Audience, JobAssignment, Organisation

    job = JobAssignment.objects.order_by("pk").first()
    pages = [reverse("admin:auth_user_change", args=[job.user_id])]
    pages += [reverse("admin:directory_jobassignment_change", args=[job.pk])]
    pages += [reverse("admin:directory_organisation_change", args=[Organisation.objects.order_by("pk").first().pk])]
    pages += [reverse("admin:directory_audience_change", args=[Audience.objects.order_by("pk").first().pk])]
    models = ["organisation", "position", "jobassignment", "audience", "audiencemember", "profiledatevalue"]
    pages += [reverse(f"admin:directory_{model}_add") for model in models]
    return pages + [reverse("admin:courses_coursecompletion_add")]


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_admin_foreign_key_fields_answer_junk_ids_with_a_message(demo, junk):
    """Autocomplete, select and many-to-many fields of the directory's admin: an invalid choice, never a 500."""
    client = _client("admin")
    failures = []
    for url in _admin_pages():
        page = client.get(url)
        keys = admin_choice_keys(page)
        assert keys, url
        data = admin_post_data(page) | dict.fromkeys(keys, junk)
        response = client.post(url, data)
        if response.status_code != 200 or not response.context["errors"]:
            failures.append(f"POST {url} {junk!r} -> {response.status_code}")
    assert failures == []


def _report_edit_data(client, report):
    page = client.get(reverse("reporting:report_edit", args=[report.pk]))
    return {
        name: value
        for name, value in re.findall(r'name="([^"]+)"[^>]*?value="([^"]*)"', page.content.decode())
        if name != "csrfmiddlewaretoken"
    }


@pytest.mark.parametrize("prefix", ["columns", "filters"])
@pytest.mark.parametrize("total", ["100000", "201", "-1", "abc", "1.5", "\x00", None, "+1"])
def test_report_editor_answers_a_tampered_formset_count_with_a_message(demo, prefix, total):
    client = _client("admin")
    report = Report.objects.exclude(columns=[]).exclude(filters=[]).order_by("pk").first() or Report.objects.first()
    data = _report_edit_data(client, report)
    count_key = f"{prefix}-TOTAL_FORMS"
    if total is None:
        data.pop(count_key)
    elif total == "+1":
        data[count_key] = str(int(data[count_key]) + 1)  # one more row than the page has: an empty row
    else:
        data[count_key] = total
    response = client.post(reverse("reporting:report_edit", args=[report.pk]), data)
    assert response.status_code == 200
    assert response.context["forms"].columns.non_form_errors() or response.context["forms"].filters.non_form_errors()
    report.refresh_from_db()
