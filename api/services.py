"""Changes the API makes that no page makes: API tokens, and the import of course completions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from courses.models import Course
from courses.services import course_complete
from directory.permissions import is_site_admin

from .errors import ApiError, InvalidRows, field_errors
from .models import ApiToken, ImportedCompletion, TokenAccess
from .serializers import CompletionInSerializer
from .tokens import SHOWN_PREFIX_LENGTH, digest_of, new_secret

# --- Tokens -------------------------------------------------------------------------------------


class TokenError(Exception):
    """A token change that cannot be made."""


def token_create(
    *, user, name: str, access: str, expires_at: dt.datetime | None, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token of ``user``; returns it with its secret, which is never shown again."""
    now = now or timezone.now()
    if access not in TokenAccess.values:
        raise TokenError("Choose read only or read and write.")
    if expires_at is not None and expires_at <= now:
        raise TokenError("The expiry must be in the future.")
    secret = new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        access=access,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        digest=digest_of(secret),
        created_at=now,
        expires_at=expires_at,
    )
    return token, secret


def tokens_revocable_by(user):
    """The tokens ``user`` may revoke: their own; a site administrator's, everyone's."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    return tokens if is_site_admin(user) else tokens.filter(user=user)


def token_revoke(*, token_id: int, actor, now: dt.datetime | None = None) -> ApiToken | None:
    """Revoke a token the actor may revoke (None when there is no such token); it stops working at once."""
    now = now or timezone.now()
    with transaction.atomic():
        token = tokens_revocable_by(actor).select_for_update().filter(pk=token_id).first()
        if token is None:
            return None
        token.revoked_at, token.revoked_by = now, actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


# --- Course completions import ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def completions_import(*, rows: list[dict], actor, now: dt.datetime | None = None) -> ImportResult:
    """Record many course completions, each by the sender's external id, all or nothing.

    Every row is checked first (its fields, its learner by username, its course by short name, its
    external id once per request and bound to one learner and course); any bad row raises
    ``InvalidRows`` listing each bad row, and nothing is written. Otherwise each completion goes
    through ``course_complete`` (so the learners' certifications hear of it as from any other
    completion) in one transaction. An external id sent again with the same time changes nothing;
    with another time, the completion time is corrected.
    """
    now = now or timezone.now()
    checked, errors = [], []
    for index, raw in enumerate(rows):
        row = CompletionInSerializer(data=raw)
        if row.is_valid():
            checked.append((index, row.validated_data))
        else:
            errors.append(
                {
                    "index": index,
                    "external_id": str(raw.get("external_id", ""))[:255],
                    "errors": field_errors(row.errors),
                }
            )
    users = dict(
        get_user_model()
        .objects.filter(username__in={r["user"] for _, r in checked}, is_active=True)
        .values_list("username", "pk")
    )
    courses = dict(
        Course.objects.filter(shortname__in={r["course"] for _, r in checked}).values_list("shortname", "pk")
    )
    known = {
        imported.external_id: imported
        for imported in ImportedCompletion.objects.filter(external_id__in={r["external_id"] for _, r in checked})
    }
    seen: set[str] = set()
    for index, row in checked:
        problems: dict[str, list[str]] = {}
        if row["user"] not in users:
            problems["user"] = [f"No active user has the username '{row['user']}'."]
        if row["course"] not in courses:
            problems["course"] = [f"No course has the short name '{row['course']}'."]
        if row["external_id"] in seen:
            problems["external_id"] = ["This external id is given twice in this request."]
        seen.add(row["external_id"])
        previous = known.get(row["external_id"])
        if (
            previous is not None
            and not problems
            and (previous.user_id, previous.course_id)
            != (
                users[row["user"]],
                courses[row["course"]],
            )
        ):
            problems["external_id"] = ["This external id was imported before for another learner or course."]
        if problems:
            errors.append({"index": index, "external_id": row["external_id"], "errors": problems})
    if errors:
        raise InvalidRows(sorted(errors, key=lambda error: error["index"]))
    try:
        return _write(checked, known=known, users=users, courses=courses, actor=actor, now=now)
    except IntegrityError as error:
        raise ApiError(
            status_code=status.HTTP_409_CONFLICT,
            code="import_conflict",
            message="Another import of the same external ids ran at the same time; send the request again.",
        ) from error


def _write(checked, *, known, users, courses, actor, now) -> ImportResult:
    created = updated = unchanged = 0
    with transaction.atomic():
        for _, row in checked:
            previous = known.get(row["external_id"])
            if previous is not None and previous.completed_at == row["completed_at"]:
                unchanged += 1
                continue
            course_complete(
                user_id=users[row["user"]],
                course_id=courses[row["course"]],
                completed_at=row["completed_at"],
                actor=actor,
            )
            if previous is None:
                ImportedCompletion.objects.create(
                    external_id=row["external_id"],
                    user_id=users[row["user"]],
                    course_id=courses[row["course"]],
                    completed_at=row["completed_at"],
                    imported_at=now,
                    imported_by=actor,
                )
                created += 1
            else:
                previous.completed_at, previous.imported_at, previous.imported_by = row["completed_at"], now, actor
                previous.save(update_fields=["completed_at", "imported_at", "imported_by"])
                updated += 1
    return ImportResult(created, updated, unchanged)
