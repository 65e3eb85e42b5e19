"""Every page a learner, a manager and an administrator reach, at a laptop's and a phone's size (issue 11).

No page scrolls sideways, axe-core finds no violation of any impact, menus open inside the viewport,
focus comes back to whatever opened a menu or a dialog, and a learner goes from Current learning to
a course and back with the keyboard alone. axe-core is the pinned npm package's file, committed under
tests/e2e/vendor (decision 0092), injected before each page's own scripts run.
"""

import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from assignments.models import AssignmentType, DueKind
from assignments.services.rules import DueRule, assignment_create
from certifications.models import CertificationRecord, CompletionRule, CourseSet
from courses.models import CourseCompletion
from reporting.models import AccessRule, ContentRule, Report
from reporting.sources import get_source
from tests.enrolment import builders
from tests.factories.courses import CourseFactory
from tests.factories.directory import AudienceFactory, JobAssignmentFactory, SiteAdminFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("CERTLMS_SCREENSHOTS", "")  # a folder (docs/) to save the README's screenshots in

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => v.id + " (" + v.impact + "): "
    + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
# What sticks out, to say in the failure: the outermost elements past the right edge.
WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.parentElement.closest(".table-responsive, .table-scroll, .tabs"))
  .filter(e => !(e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase() + "." + [...e.classList].join(".") + " " + (e.innerText || "").slice(0, 30))"""
# The focused element's accessible label or text.
FOCUSED = """() => { const e = document.activeElement;
  return (e.getAttribute("aria-label") || e.innerText || e.value || "").trim(); }"""


@dataclass
class World:
    certification: object
    group: object
    assignment: object
    course: object
    other_course: object
    report: object
    learner: object


@pytest.fixture
def world():
    admin = SiteAdminFactory(username="ada", first_name="Ada", last_name="Admin")
    manager = UserFactory(username="max", first_name="Max", last_name="Manager")
    learner = UserFactory(username="lee", first_name="Lee", last_name="Learner")
    JobAssignmentFactory(user=learner, manager=manager)
    cert = builders.certification(fullname="Fire safety", summary="What to do when the alarm sounds.")
    course = CourseFactory(fullname="Fire drill", allow_self_completion=True)
    other = CourseFactory(fullname="Extinguishers", allow_self_completion=True)
    first = CourseSet.objects.create(certification=cert, name="Basics", sortorder=0, minimum_time_days=5)
    first.courses.add(course)
    second = CourseSet.objects.create(
        certification=cert, name="Practice", sortorder=1, completion_rule=CompletionRule.ANY
    )
    second.courses.add(other)
    audience = AudienceFactory(name="Everyone on the wards")
    audience.members.add(learner)
    due = DueRule(kind=DueKind.FIXED, fixed_at=timezone.now() + dt.timedelta(days=60))
    assignment = assignment_create(
        certification=cert, type=AssignmentType.AUDIENCE, target=audience, due=due, actor=admin
    )
    group = builders.group(cert, name="Day shift", description="For the day shift.")
    open_cert = builders.certification(fullname="First aid at work")
    builders.group(open_cert, name="Volunteers", description="Volunteer first aiders.")
    source = get_source("certification_overview")
    report = Report.objects.create(
        name="Team certifications",
        source=source.key,
        columns=[{"key": c.key, "heading": ""} for c in source.columns[:6]],
        filters=[f.key for f in source.filters][:2],
        access=AccessRule.MANAGERS,
        content=ContentRule.STAFF,
    )
    assert CertificationRecord.objects.filter(user=learner, certification=cert).exists()
    return World(cert, group, assignment, course, other, report, learner)


def learner_pages(w: World) -> list[str]:
    c = w.certification.pk
    return [
        "/learning/",
        "/catalogue/",
        f"/certifications/{c}/",
        f"/certifications/{c}/enrol/",
        f"/courses/{w.course.pk}/",
        "/record-of-learning/",
        "/reports/",
    ]


def manager_pages(w: World) -> list[str]:
    return [*learner_pages(w), f"/reports/{w.report.pk}/"]


def admin_pages(w: World) -> list[str]:
    c, base = w.certification.pk, "/site-admin"
    return [
        *manager_pages(w),
        f"/reports/{w.report.pk}/edit/",
        "/reports/new/",
        "/record-of-learning/edit/",
        f"{base}/",
        f"{base}/certifications/",
        f"{base}/certifications/add/",
        f"{base}/certifications/{c}/",
        f"{base}/certifications/{c}/details/",
        f"{base}/certifications/{c}/content/",
        f"{base}/certifications/{c}/content/certification/add/",
        f"{base}/certifications/{c}/settings/",
        f"{base}/certifications/{c}/completion/",
        f"{base}/certifications/{c}/completion/{w.learner.pk}/",
        f"{base}/assignments/certifications/{c}/",
        f"{base}/assignments/certifications/{c}/exceptions/",
        f"{base}/assignments/certifications/{c}/add/audience/",
        f"{base}/assignments/assignments/{w.assignment.pk}/due-date/",
        f"{base}/assignments/certifications/{c}/groups/",
        f"{base}/assignments/groups/{w.group.pk}/members/",
        f"{base}/assignments/groups/{w.group.pk}/members/add/",
        f"{base}/assignments/groups/{w.group.pk}/edit/",
        f"{base}/directory/import/",
    ]


@pytest.fixture
def signed_in(sign_in):
    """``signed_in(username)`` → a page whose every document gets axe-core before its own scripts."""

    def _signed_in(username):
        page = sign_in(username)
        page.context.add_init_script(path=str(AXE))
        return page

    return _signed_in


def check_pages(page, urls: list[str]) -> list[str]:
    problems = []
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        for url in urls:
            response = page.goto(url)
            label = f"{url} at {size['width']}px"
            if response.status != 200:
                problems.append(f"{label}: answered {response.status}")
                continue
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                problems.append(f"{label}: {overflow}px wider than the screen: {page.evaluate(WIDE)}")
            problems += [f"{label}: {violation}" for violation in page.evaluate(AXE_RUN)]
    return problems


@pytest.mark.parametrize("who", ["lee", "max", "ada"])
def test_every_page_fits_the_screen_and_has_no_accessibility_violation(world, signed_in, who):
    pages = {"lee": learner_pages, "max": manager_pages, "ada": admin_pages}[who](world)
    page = signed_in(who)
    problems = check_pages(page, pages)
    assert not problems, "\n".join(problems)


def test_sign_in_page_fits_and_has_no_accessibility_violation(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    try:
        problems = check_pages(page, ["/accounts/login/", "/accounts/password-reset/"])
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def tab_to(page, name: str, *, limit: int = 60):
    """Press Tab until the focused element's text or accessible label is ``name``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_learner_goes_keyboard_only_from_current_learning_to_a_course_and_back(world, sign_in):
    page = sign_in("lee")
    page.set_viewport_size(LAPTOP)
    expect(page).to_have_url(re.compile("/learning/$"))
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Fire safety"))
    expect(card.get_by_text("0% complete")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "current-learning.png"), full_page=True)

    tab_to(page, "Fire safety")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Fire safety")).to_be_visible()
    tab_to(page, "Fire drill")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Fire drill")).to_be_visible()
    tab_to(page, "Mark as complete")
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have completed Fire drill.")).to_be_visible()
    assert CourseCompletion.objects.filter(user=world.learner, course=world.course).exists()

    tab_to(page, "Fire safety")  # "Part of": back to the certification
    page.keyboard.press("Enter")
    expect(page.get_by_text("50% complete")).to_be_visible()
    practice = page.locator(".course-set.is-next")
    expect(practice.get_by_role("heading", name=re.compile("Practice"))).to_be_visible()
    tab_to(page, "Current learning")
    page.keyboard.press("Enter")
    expect(card.get_by_text("50% complete")).to_be_visible()
    expect(card.get_by_role("link", name="Extinguishers")).to_be_visible()


def inside_viewport(page, locator) -> bool:
    box, width = locator.bounding_box(), page.evaluate("() => window.innerWidth")
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_menus_at_the_left_and_right_edges_open_inside_the_viewport(world, sign_in, size):
    admin = sign_in("ada")
    admin.set_viewport_size(size)
    admin.goto(f"/site-admin/assignments/certifications/{world.certification.pk}/")
    admin.get_by_role("button", name="Add…").click()  # at the left edge
    menu = admin.get_by_role("menu")
    expect(menu).to_be_visible()
    assert inside_viewport(admin, menu)

    learner = sign_in("lee")
    learner.set_viewport_size(size)
    learner.goto(f"/certifications/{world.certification.pk}/")
    learner.get_by_role("button", name="Actions").click()  # at the right edge
    menu = learner.get_by_role("menu", name="Actions")
    expect(menu).to_be_visible()
    assert inside_viewport(learner, menu)
    expect(menu.get_by_role("menuitem", name="Enrol")).to_be_visible()


def focused_text(page) -> str:
    return page.evaluate(FOCUSED)


def assert_focus_returns_to(page, text: str) -> None:
    """Focus lands on the control named ``text``. A <dialog>'s close event (which returns focus) is a
    task of its own, queued after the dialog is hidden, so the check waits for it instead of racing it."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"(text) => ({FOCUSED})() === text", arg=text, timeout=5_000)
    assert focused_text(page) == text


def test_focus_returns_to_the_opener_after_escape(world, sign_in):
    page = sign_in("ada")
    page.goto(f"/site-admin/assignments/certifications/{world.certification.pk}/")
    page.get_by_role("button", name="Add…").click()
    expect(page.get_by_role("menu")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_be_hidden()
    assert_focus_returns_to(page, "Add…")

    row = page.get_by_role("row", name=re.compile("Everyone on the wards"))
    row.get_by_role("link", name="Assignment due date").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert_focus_returns_to(page, "Assignment due date")

    page.get_by_role("button", name="Add…").click()
    page.get_by_role("menuitem", name="Group").click()
    dialog = page.get_by_role("dialog", name="Add group")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert_focus_returns_to(page, "Add…")


def test_due_date_dialog_shows_only_the_fields_of_the_chosen_kind_and_event(world, sign_in):
    page = sign_in("ada")
    page.goto(f"/site-admin/assignments/certifications/{world.certification.pk}/")
    page.get_by_role("row", name=re.compile("Everyone on the wards")).get_by_role(
        "link", name="Assignment due date"
    ).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("textbox", name="Fixed date")).to_be_visible()
    expect(dialog.get_by_label("Complete within")).to_be_hidden()
    dialog.get_by_label("Relative to event").check()
    expect(dialog.get_by_role("textbox", name="Fixed date")).to_be_hidden()
    expect(dialog.get_by_label("Complete within")).to_be_visible()
    expect(dialog.get_by_label("Course", exact=True)).to_be_hidden()
    dialog.get_by_label("of", exact=True).select_option(label="Course completion")
    expect(dialog.get_by_label("Course", exact=True)).to_be_visible()
    expect(dialog.get_by_label("Position", exact=True)).to_be_hidden()


def test_due_date_page_without_javascript_shows_every_field(world, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/site-admin/assignments/assignments/{world.assignment.pk}/due-date/")
        expect(page.get_by_role("textbox", name="Fixed date")).to_be_visible()
        for label in ("Complete within", "Course", "Position"):
            expect(page.get_by_label(label, exact=True)).to_be_visible()
    finally:
        context.close()


def test_assignments_tab_shows_what_recompute_now_started(world, sign_in):
    page = sign_in("ada")
    page.set_viewport_size(LAPTOP)
    page.goto(f"/site-admin/assignments/certifications/{world.certification.pk}/")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.get_by_text("Recomputing every assignment of Fire safety started")).to_be_visible()
    jobs = page.locator("#jobs")
    line = jobs.get_by_role("listitem").filter(has_text="Recomputing every assignment")
    expect(line.get_by_text("Started by Ada Admin")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "assignments-tab.png"), full_page=True)
