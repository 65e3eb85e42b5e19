"""The permission matrix of every endpoint: anonymous, learner, other learner, manager, other manager,
site administrator. A forbidden object answers 404, like a missing one; anonymous answers 401."""

import pytest

from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db

A, L, OL, M, OM, AD = ROLES


def everyone(status, *, anonymous=401):
    return {role: (anonymous if role == A else status) for role in ROLES}


def admins_only(status):
    return {A: 401, L: 404, OL: 404, M: 404, OM: 404, AD: status}


# (name, method, path(world), body(world) or None, expected status by role)
ENDPOINTS = [
    ("certifications list", "get", lambda w: "/api/v1/certifications/", None, everyone(200)),
    ("certifications search", "get", lambda w: "/api/v1/certifications/?q=fire", None, everyone(200)),
    ("certification detail", "get", lambda w: f"/api/v1/certifications/{w.certification.pk}/", None, everyone(200)),
    ("hidden certification", "get", lambda w: f"/api/v1/certifications/{w.hidden.pk}/", None, admins_only(200)),
    (
        "assignments list",
        "get",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/assignments/",
        None,
        admins_only(200),
    ),
    (
        "assignment create",
        "post",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/assignments/",
        lambda w: {"type": "individual", "target": w.manager.pk},
        admins_only(201),
    ),
    (
        "assignment delete",
        "delete",
        lambda w: f"/api/v1/assignments/{w.certification.assignments.get(type='individual').pk}/",
        None,
        admins_only(200),
    ),
    ("groups list", "get", lambda w: f"/api/v1/certifications/{w.certification.pk}/groups/", None, admins_only(200)),
    (
        "group create",
        "post",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/groups/",
        lambda w: {"name": "Night shift"},
        admins_only(201),
    ),
    (
        "group update",
        "patch",
        lambda w: f"/api/v1/groups/{w.group.pk}/",
        lambda w: {"allow_enrol": False},
        admins_only(200),
    ),
    ("group delete", "delete", lambda w: f"/api/v1/groups/{w.group.pk}/", None, admins_only(204)),
    ("group members", "get", lambda w: f"/api/v1/groups/{w.group.pk}/members/", None, admins_only(200)),
    (
        "group members add",
        "post",
        lambda w: f"/api/v1/groups/{w.group.pk}/members/",
        lambda w: {"users": [w.other_learner.pk]},
        admins_only(200),
    ),
    (
        "group member remove",
        "delete",
        lambda w: f"/api/v1/groups/{w.group.pk}/members/{w.learner.pk}/",
        None,
        admins_only(204),
    ),
    (
        "certification records",
        "get",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/records/",
        None,
        everyone(200),
    ),
    ("hidden records", "get", lambda w: f"/api/v1/certifications/{w.hidden.pk}/records/", None, admins_only(200)),
    ("my records", "get", lambda w: "/api/v1/me/records/", None, everyone(200)),
    (
        "enrolment detail",
        "get",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/enrolment/",
        None,
        {A: 401, L: 200, OL: 404, M: 404, OM: 404, AD: 404},
    ),
    (
        "enrol",
        "post",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/enrolment/",
        lambda w: {"group": w.group.pk},
        {A: 401, L: 409, OL: 201, M: 201, OM: 201, AD: 201},
    ),
    (
        "enrol in hidden",
        "post",
        lambda w: f"/api/v1/certifications/{w.hidden.pk}/enrolment/",
        lambda w: {"group": 1},
        {
            A: 401,
            L: 404,
            OL: 404,
            M: 404,
            OM: 404,
            AD: 400,
        },
    ),
    (
        "withdraw",
        "delete",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/enrolment/",
        None,
        {A: 401, L: 204, OL: 404, M: 404, OM: 404, AD: 404},
    ),
    (
        "completions import",
        "post",
        lambda w: "/api/v1/course-completions/",
        lambda w: {
            "completions": [
                {"external_id": "x1", "user": "apilearner", "course": "EXT", "completed_at": "2026-11-30T09:00:00Z"}
            ]
        },
        admins_only(200),
    ),
    (
        "exceptions list",
        "get",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/exceptions/",
        None,
        admins_only(200),
    ),
    (
        "exceptions resolve",
        "post",
        lambda w: f"/api/v1/certifications/{w.certification.pk}/exceptions/resolve/",
        lambda w: {"resolution": "dismiss", "exceptions": [1]},
        admins_only(200),
    ),
    ("reports list", "get", lambda w: "/api/v1/reports/", None, everyone(200)),
    ("report detail", "get", lambda w: f"/api/v1/reports/{w.report.pk}/", None, everyone(200)),
    ("report rows", "get", lambda w: f"/api/v1/reports/{w.report.pk}/rows/", None, everyone(200)),
    ("report export", "get", lambda w: f"/api/v1/reports/{w.report.pk}/export/csv/", None, everyone(200)),
    ("admins' report rows", "get", lambda w: f"/api/v1/reports/{w.admin_report.pk}/rows/", None, admins_only(200)),
    (
        "admins' report export",
        "get",
        lambda w: f"/api/v1/reports/{w.admin_report.pk}/export/csv/",
        None,
        admins_only(200),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_permission_matrix(world, api, token_for, role, name, method, path, body, expected):
    """Through a read-and-write token (the session is the same rule: tested apart)."""
    user = world.user(role)
    client = api(token=token_for(user)[1]) if user is not None else api()
    response = getattr(client, method)(path(world), body(world) if body else None, format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert {"code", "message"} <= set(response.json())


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (L, {"apilearner"}),
        (OL, {"apiother"}),
        (M, {"apilearner"}),
        (OM, {"apiother"}),
        (AD, {"apilearner", "apiother"}),
    ],
)
def test_a_certifications_records_are_those_within_the_callers_reach(world, api, role, expected):
    """Administrators: everyone; a manager: their staff; anyone else: their own."""
    response = api(world.user(role)).get(f"/api/v1/certifications/{world.certification.pk}/records/")
    assert {row["user"]["username"] for row in response.json()["results"]} == expected


def test_my_records_are_only_my_own(world, api):
    response = api(world.manager).get("/api/v1/me/records/")
    assert response.json()["results"] == []
    response = api(world.learner).get("/api/v1/me/records/")
    assert [row["certification"]["shortname"] for row in response.json()["results"]] == ["FIRE"]


def test_a_read_only_token_reads_but_does_not_write(world, api, token_for):
    _, secret = token_for(world.admin, access="read")
    client = api(token=secret)
    assert client.get("/api/v1/certifications/").status_code == 200
    response = client.post(f"/api/v1/certifications/{world.certification.pk}/groups/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert not world.certification.groups.filter(name="X").exists()


def test_a_read_and_write_token_writes(world, api, token_for):
    _, secret = token_for(world.admin)
    response = api(token=secret).post(
        f"/api/v1/certifications/{world.certification.pk}/groups/", {"name": "X"}, format="json"
    )
    assert response.status_code == 201
    assert world.certification.groups.filter(name="X").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"revoked_at": "2026-01-01T00:00:00Z"}, "token_revoked"),
        ({"expires_at": "2026-01-01T00:00:00Z"}, "token_expired"),
    ],
)
def test_revoked_and_expired_tokens_are_refused(world, api, token_for, fields, code):
    _, secret = token_for(world.admin, **fields)
    response = api(token=secret).get("/api/v1/certifications/")
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(world, api):
    response = api(token="clms_not-a-token").get("/api/v1/certifications/")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_token_of_a_deactivated_user_is_refused(world, api, token_for):
    _, secret = token_for(world.learner)
    world.learner.is_active = False
    world.learner.save()
    assert api(token=secret).get("/api/v1/certifications/").status_code == 401


def test_a_token_records_its_last_use(world, api, token_for):
    token, secret = token_for(world.learner)
    assert token.last_used_at is None
    api(token=secret).get("/api/v1/me/records/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_session_needs_the_csrf_token_to_change_anything(world, api):
    client = api(world.admin, csrf=True)
    assert client.get("/api/v1/certifications/").status_code == 200
    path = f"/api/v1/certifications/{world.certification.pk}/groups/"
    response = client.post(path, {"name": "X"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    client.get("/preferences/api-tokens/")  # any page sets the CSRF cookie
    response = client.post(path, {"name": "X"}, format="json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 201


def test_throttling_is_per_token_with_retry_after(world, api, token_for, settings):
    settings.API_RATE_LIMIT = "3/minute"
    first = api(token=token_for(world.learner)[1])
    second = api(token=token_for(world.learner)[1])
    for _ in range(3):
        assert first.get("/api/v1/me/records/").status_code == 200
    response = first.get("/api/v1/me/records/")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert second.get("/api/v1/me/records/").status_code == 200
