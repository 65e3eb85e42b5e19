"""CSV import: validate every row first, report each bad row by line, write all or nothing."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory import signals
from directory.csv_import import AUDIENCE_MEMBERS, JOB_ASSIGNMENTS, USERS, directory_import
from directory.models import AudienceMember, JobAssignment, LearnerProfile
from tests.factories.directory import (
    AudienceFactory,
    JobAssignmentFactory,
    OrganisationFactory,
    PositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def errors(result):
    return [(e.line, e.message) for e in result.errors]


# --- Users ---


def test_users_file_creates_and_updates_users():
    UserFactory(username="existing", first_name="Old", email="old@example.com")
    result = directory_import(
        kind=USERS,
        text="Username,first_name,last_name,email,timezone\n"
        "newbie,Nia,New,nia@example.com,Europe/Paris\n"
        "existing,Eve,Exists,eve@example.com,\n",
    )
    assert result.ok, errors(result)
    assert (result.rows, result.created, result.updated) == (2, 1, 1)
    newbie = User.objects.get(username="newbie")
    assert (newbie.first_name, newbie.last_name, newbie.email) == ("Nia", "New", "nia@example.com")
    assert not newbie.has_usable_password()
    assert LearnerProfile.objects.get(user=newbie).timezone == "Europe/Paris"
    existing = User.objects.get(username="existing")
    assert (existing.first_name, existing.email) == ("Eve", "eve@example.com")


def test_absent_columns_leave_values_alone():
    UserFactory(username="keep", first_name="Kept", email="kept@example.com")
    result = directory_import(kind=USERS, text="username,last_name\nkeep,Surname\n")
    assert result.ok
    user = User.objects.get(username="keep")
    assert (user.first_name, user.last_name, user.email) == ("Kept", "Surname", "kept@example.com")


def test_bad_user_rows_are_each_reported_and_nothing_is_written():
    text = (
        "username,email,timezone\n"
        "good,good@example.com,UTC\n"
        "bad name,x@example.com,\n"
        "mail,not-an-email,\n"
        "zone,z@example.com,Mars/Base\n"
        ",empty@example.com,\n"
        "good,again@example.com,\n"
    )
    result = directory_import(kind=USERS, text=text)
    assert [line for line, _ in errors(result)] == [3, 4, 5, 6, 7]
    messages = dict(errors(result))
    assert "may contain only letters" in messages[3]
    assert "not a valid email address" in messages[4]
    assert "not a known timezone" in messages[5]
    assert "username is empty" in messages[6]
    assert "also on line 2" in messages[7]
    assert not User.objects.exists()


def test_header_problems_are_reported_on_line_1():
    result = directory_import(kind=USERS, text="first_name,colour\nA,red\n")
    assert errors(result) == [
        (1, "Missing column(s): username."),
        (1, "Unknown column(s): colour. Expected: username, first_name, last_name, email, timezone."),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The file is empty"), ("username\n", "no data rows"), ("username,email\na\n", "Expected 2 values, found 1")],
)
def test_malformed_files_are_reported(text, message):
    result = directory_import(kind=USERS, text=text)
    assert not result.ok and message in result.errors[0].message


def test_a_nul_character_is_reported_not_sent_to_the_database():
    result = directory_import(kind=AUDIENCE_MEMBERS, text="audience,username\nok,ok\nx\x00,y\n")
    assert errors(result) == [(3, "The file contains a NUL character: it is not a CSV text file.")]


def test_line_numbers_count_quoted_line_breaks():
    text = 'username,first_name\nok,"Two\nlines"\n"bad name",X\n'
    assert [line for line, _ in errors(directory_import(kind=USERS, text=text))] == [4]


# --- Job assignments ---


@pytest.fixture
def people():
    return {
        "ann": UserFactory(username="ann"),
        "bob": UserFactory(username="bob"),
        "org": OrganisationFactory(idnumber="WARD-3"),
        "pos": PositionFactory(idnumber="NURSE"),
    }


def test_job_assignments_file_creates_and_updates_and_signals_once(
    people, capture_signal, django_capture_on_commit_callbacks
):
    kept = JobAssignmentFactory(user=people["bob"], idnumber="JA1", fullname="Porter")
    calls = capture_signal(signals.job_assignments_changed)
    text = (
        "username,idnumber,fullname,organisation,position,manager,start_date,position_assigned_date\n"
        "ann,JA1,Nurse,WARD-3,NURSE,bob,2026-01-05,2026-01-06\n"
        "bob,JA1,Head porter,,,,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = directory_import(kind=JOB_ASSIGNMENTS, text=text)
    assert result.ok, errors(result)
    assert (result.created, result.updated) == (1, 1)
    ann = JobAssignment.objects.get(user=people["ann"])
    assert (ann.fullname, ann.organisation, ann.position, ann.manager) == (
        "Nurse",
        people["org"],
        people["pos"],
        people["bob"],
    )
    assert (ann.start_date, ann.position_assigned_date) == (datetime.date(2026, 1, 5), datetime.date(2026, 1, 6))
    kept.refresh_from_db()
    assert kept.fullname == "Head porter"
    assert calls == [
        {"user_ids": [people["ann"].pk], "actor_id": None}
    ]  # bob's change of title alone matters to nobody


def test_importing_the_same_job_assignments_again_changes_nothing(
    people, capture_signal, django_capture_on_commit_callbacks
):
    text = "username,idnumber,fullname,organisation,manager\nann,JA1,Nurse,WARD-3,bob\n"
    assert directory_import(kind=JOB_ASSIGNMENTS, text=text).ok
    calls = capture_signal(signals.job_assignments_changed)
    with django_capture_on_commit_callbacks(execute=True):
        result = directory_import(kind=JOB_ASSIGNMENTS, text=text)
    assert result.summary() == "Imported 1 row of job assignments: 0 created, 0 updated, 1 unchanged."
    assert calls == []


def test_bad_job_assignment_rows_are_each_reported_and_nothing_is_written(
    people, capture_signal, django_capture_on_commit_callbacks
):
    calls = capture_signal(signals.job_assignments_changed)
    text = (
        "username,idnumber,organisation,position,manager,start_date\n"
        "ann,JA1,WARD-3,NURSE,bob,2026-01-05\n"  # good
        "nobody,JA1,,,,\n"
        "ann,,,,,\n"
        "ann,JA2,NOWHERE,,,\n"
        "ann,JA3,,NOPOS,,\n"
        "ann,JA4,,,ghost,\n"
        "ann,JA5,,,ann,\n"
        "ann,JA6,,,,05/01/2026\n"
        "ann,JA1,,,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = directory_import(kind=JOB_ASSIGNMENTS, text=text)
    messages = dict(errors(result))
    assert sorted(messages) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert 'No user has the username "nobody"' in messages[3]
    assert "idnumber is empty" in messages[4]
    assert 'No organisation has the ID number "NOWHERE"' in messages[5]
    assert 'No position has the ID number "NOPOS"' in messages[6]
    assert '"ghost" (manager)' in messages[7]
    assert "cannot be their own manager" in messages[8]
    assert "YYYY-MM-DD" in messages[9]
    assert "also on line 2" in messages[10]
    assert not JobAssignment.objects.exists()
    assert calls == []


def test_an_ambiguous_organisation_id_number_is_an_error(people):
    OrganisationFactory(idnumber="WARD-3")
    result = directory_import(kind=JOB_ASSIGNMENTS, text="username,idnumber,organisation\nann,JA1,WARD-3\n")
    assert errors(result) == [(2, '2 organisations have the ID number "WARD-3".')]


# --- Audience members ---


def test_audience_members_file_adds_and_removes_with_one_signal_per_audience(
    capture_signal, django_capture_on_commit_callbacks
):
    aiders, wardens = AudienceFactory(name="First aiders"), AudienceFactory(name="Fire wardens")
    ann, bob, cy = UserFactory(username="ann"), UserFactory(username="bob"), UserFactory(username="cy")
    AudienceMember.objects.create(audience=aiders, user=bob)
    importer = UserFactory(username="importer")
    calls = capture_signal(signals.audience_members_changed)
    text = "audience,username,action\nFirst aiders,ann,add\nFirst aiders,bob,remove\nFire wardens,cy,\n"
    with django_capture_on_commit_callbacks(execute=True):
        result = directory_import(kind=AUDIENCE_MEMBERS, text=text, actor_id=importer.pk)
    assert result.ok, errors(result)
    assert (result.created, result.updated) == (2, 1)
    assert set(aiders.members.all()) == {ann} and set(wardens.members.all()) == {cy}
    assert sorted(calls, key=lambda c: c["audience_id"]) == sorted(
        [
            {"audience_id": aiders.pk, "user_ids": sorted([ann.pk, bob.pk]), "actor_id": importer.pk},
            {"audience_id": wardens.pk, "user_ids": [cy.pk], "actor_id": importer.pk},
        ],
        key=lambda c: c["audience_id"],
    )


def test_bad_audience_member_rows_are_each_reported_and_nothing_is_written():
    AudienceFactory(name="First aiders")
    UserFactory(username="ann")
    text = (
        "audience,username,action\n"
        "First aiders,ann,add\n"
        "Nobody's club,ann,add\n"
        "First aiders,ghost,add\n"
        "First aiders,ann,promote\n"
    )
    result = directory_import(kind=AUDIENCE_MEMBERS, text=text)
    messages = dict(errors(result))
    assert sorted(messages) == [3, 4, 5]
    assert "No audience is named" in messages[3]
    assert 'No user has the username "ghost"' in messages[4]
    assert 'action must be "add" or "remove"' in messages[5] and "also on line 2" in messages[5]
    assert not AudienceMember.objects.exists()


# --- The page ---


def upload(client, kind, text, name="import.csv"):
    return client.post(
        reverse("directory:import"), {"kind": kind, "file": SimpleUploadedFile(name, text.encode("utf-8-sig"))}
    )


def test_import_page_is_for_site_administrators_only(client, learner):
    url = reverse("directory:import")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(learner)
    assert client.get(url).status_code == 404
    assert upload(client, USERS, "username\nsneaky\n").status_code == 404
    assert not User.objects.filter(username="sneaky").exists()


def test_import_page_documents_the_formats(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("directory:import")).content.decode()
    for text in ("Users", "Job assignments", "Audience members", "position_assigned_date", "YYYY-MM-DD"):
        assert text in html


def test_import_page_imports_a_good_file(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, USERS, "username,email\nuploaded,up@example.com\n")
    assert response.status_code == 302
    assert User.objects.filter(username="uploaded").exists()
    html = client.get(response["Location"]).content.decode()
    assert "Imported 1 row of users: 1 created, 0 updated, 0 unchanged." in html


def test_import_page_lists_bad_rows_and_writes_nothing(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, USERS, "username,email\nfine,f@example.com\nbroken,nope\n")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html and "<td>3</td>" in html and "not a valid email address" in html
    assert not User.objects.filter(username="fine").exists()


def test_import_page_rejects_a_file_that_is_not_utf8(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("directory:import"),
        {"kind": USERS, "file": SimpleUploadedFile("x.csv", "username\nJosé\n".encode("latin-1"))},
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


# --- The command ---


def test_command_imports_a_good_file(tmp_path, capsys):
    path = tmp_path / "users.csv"
    path.write_text("username\ncli_user\n", encoding="utf-8")
    call_command("import_directory", "--kind", USERS, str(path))
    assert User.objects.filter(username="cli_user").exists()
    assert "1 created" in capsys.readouterr().out


def test_command_reports_bad_rows_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "users.csv"
    path.write_text("username,email\nok_user,ok@example.com\nbad,bad\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_directory", "--kind", USERS, str(path))
    assert f"{path}:3: " in capsys.readouterr().err
    assert not User.objects.filter(username="ok_user").exists()
