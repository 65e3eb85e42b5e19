"""A learner's record through its lifecycle: progress and certification on course completion, the
recertification window opening, and expiry (DOMAIN §2).

``record_progress`` handles one learner (course completion reaches it through a Celery task);
``records_window_open`` and ``records_expire`` are the periodic sweeps, set-based in batches,
touching only the records that are due and auditing each change with the task's name.
"""

import datetime as dt
import itertools
import logging

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from courses.models import CourseCompletion
from courses.services import completions_archive

from ..models import (
    Certification,
    CertificationPath,
    CertificationRecord,
    CertificationRecordHistory,
    CompletionRule,
    CourseSet,
    RecordStatus,
    RenewalStatus,
)
from ..signals import RecordEvent, records_changed
from ..sql import db_datetime, json_object_sql, table
from .audit import RECORD_FIELDS, audit_prefix_params, audit_prefix_sql, audit_write, record_snapshot
from .dates import certification_period_dates

logger = logging.getLogger(__name__)

SUBJECT = "record"
LIFECYCLE_BATCH = 5000


def path_course_ids(*, certification: Certification, path: str) -> list[int]:
    return list(
        CourseSet.courses.through.objects.filter(
            courseset__certification=certification, courseset__path=certification.content_path(path)
        )
        .values_list("course_id", flat=True)
        .distinct()
    )


def _path_completion(*, record: CertificationRecord) -> tuple[bool, dt.datetime | None]:
    """(every course set complete, latest course completion of the path) for the record's current path."""
    certification = record.certification
    sets = list(
        CourseSet.objects.filter(
            certification=certification, path=certification.content_path(record.path)
        ).prefetch_related("courses")
    )
    course_ids = {course.pk for course_set in sets for course in course_set.courses.all()}
    completed = dict(
        CourseCompletion.objects.filter(user_id=record.user_id, course_id__in=course_ids).values_list(
            "course_id", "completed_at"
        )
    )
    if not completed:
        return False, None
    counted = [s for s in sets if s.courses.all()]
    complete = bool(counted)
    for course_set in counted:
        ids = [course.pk for course in course_set.courses.all()]
        done = [i in completed for i in ids]
        if not (all(done) if course_set.completion_rule == CompletionRule.ALL else any(done)):
            complete = False
    return complete, max(completed.values())


def record_progress(
    *, user_id: int, certification_id: int, now: dt.datetime, actor=None, actor_label: str = ""
) -> CertificationRecord | None:
    """Re-evaluate one learner's record against their course completions.

    Any completed course of the current path → "In progress" (from "Not certified" or
    "Expired"); every course set complete → "Certified" with new dates. On the recertification
    path nothing counts until the window has opened (renewal "Due").
    """
    with transaction.atomic():
        record = (
            CertificationRecord.objects.select_for_update()
            .select_related("certification")
            .filter(user_id=user_id, certification_id=certification_id)
            .first()
        )
        if record is None:
            return None
        if record.path == CertificationPath.RECERTIFICATION and record.renewal_status != RenewalStatus.DUE:
            return record
        complete, latest = _path_completion(record=record)
        if latest is None:
            return record
        before = record_snapshot(record)
        if complete:
            _certify(record=record, completion=latest)
            action = "certified"
        elif record.status in (RecordStatus.NOT_CERTIFIED, RecordStatus.EXPIRED):
            record.status = RecordStatus.IN_PROGRESS
            action = "in_progress"
        else:
            return record
        record.updated_at = now
        record.save()
        audit_write(
            user_id=user_id,
            certification_id=certification_id,
            subject=SUBJECT,
            action=action,
            before=before,
            after=record_snapshot(record),
            now=now,
            actor=actor,
            actor_label=actor_label,
        )
        if complete:
            _announce(RecordEvent.CERTIFIED, [record.pk], now)
        return record


def _announce(event: str, record_ids: list[int], now: dt.datetime) -> None:
    """Send ``records_changed`` for these current records (in the transaction that changed them)."""
    learners = CertificationRecord.objects.filter(pk__in=record_ids).order_by().values("user_id", "certification_id")
    records_changed.send(sender=CertificationRecord, event=event, learners=learners, now=now, quiet=False)


def _certify(*, record: CertificationRecord, completion: dt.datetime) -> None:
    first = record.path == CertificationPath.CERTIFICATION and record.status != RecordStatus.EXPIRED
    dates = certification_period_dates(
        certification=record.certification,
        completion=completion,
        previous_expiry=None if first else (record.baseline_expiry or record.expiry_date),
        due_date=record.due_date if first else None,
    )
    record.status = RecordStatus.CERTIFIED
    record.renewal_status = RenewalStatus.NOT_DUE
    record.path = CertificationPath.RECERTIFICATION
    record.completion_date = completion
    record.expiry_date = dates.expiry
    record.baseline_expiry = dates.expiry
    record.window_opens = dates.window_opens
    record.due_date = dates.expiry


def records_progress_for_course(
    *, user_id: int, course_id: int, now: dt.datetime, actor=None, actor_label: str = ""
) -> int:
    """Re-evaluate the learner's records of every certification whose content has the course."""
    certification_ids = (
        CertificationRecord.objects.filter(user_id=user_id, certification__course_sets__courses__id=course_id)
        .values_list("certification_id", flat=True)
        .distinct()
    )
    changed = 0
    for certification_id in list(certification_ids):
        record_progress(
            user_id=user_id, certification_id=certification_id, now=now, actor=actor, actor_label=actor_label
        )
        changed += 1
    return changed


def records_progress_repair(
    *,
    now: dt.datetime,
    actor_label: str,
    certification_id: int | None = None,
    after_user_id: int = 0,
    limit: int | None = None,
) -> tuple[int, int | None]:
    """Apply course completions that never reached their records (a lost ``course_completed`` event).

    The records whose current path counts (the certification path, or the recertification path once
    the window is open) and whose learner holds a completion of one of that path's courses are found
    with one query per certification and path; each is then re-evaluated by ``record_progress``, as
    the course_completed path does. A record with nothing to apply is left as it is, so a second run
    changes nothing.

    With ``limit``, only the first ``limit`` such learners with an id above ``after_user_id`` are
    looked at (one batch of the lifecycle sweep). Returns the number of records changed and the
    user id to continue after (``None`` when none is left).
    """
    certifications = Certification.objects.filter(course_sets__isnull=False).distinct().order_by("pk")
    if certification_id is not None:
        certifications = certifications.filter(pk=certification_id)
    changed = 0
    candidates: list[tuple[int, int, str, dt.datetime | None]] = []
    more = False
    for certification in certifications:
        for path in (CertificationPath.CERTIFICATION, CertificationPath.RECERTIFICATION):
            course_ids = path_course_ids(certification=certification, path=path)
            if not course_ids:
                continue
            records = CertificationRecord.objects.filter(
                certification=certification, path=path, user_id__gt=after_user_id
            ).filter(Exists(CourseCompletion.objects.filter(user_id=OuterRef("user_id"), course_id__in=course_ids)))
            if path == CertificationPath.RECERTIFICATION:
                records = records.filter(renewal_status=RenewalStatus.DUE)
            else:
                records = records.exclude(status=RecordStatus.CERTIFIED)
            found = records.order_by("user_id").values_list("user_id", "certification_id", "status", "completion_date")
            found = list(found[:limit] if limit else found)
            more = more or (limit is not None and len(found) == limit)
            candidates += found
    candidates.sort()
    if limit is not None:
        more = more or len(candidates) > limit
        candidates = candidates[:limit]
    for user_id, cert_id, status, completion_date in candidates:
        record = record_progress(user_id=user_id, certification_id=cert_id, now=now, actor_label=actor_label)
        if record is not None and (record.status, record.completion_date) != (status, completion_date):
            changed += 1
    if changed:
        logger.info("%s: applied course completions to %d records", actor_label, changed)
    return changed, (candidates[-1][0] if more and candidates else None)


# ``record_assign_many`` evaluates up to this many learners' earlier completions in the
# transaction; more go to the ``certifications.assigned_progress`` task, through the outbox.
PROGRESS_AT_ONCE = 500


def assigned_with_completions(*, certification_id: int, assigned_at: dt.datetime):
    """Ids of learners assigned (or restored) at ``assigned_at`` who hold completions of its courses."""
    course_ids = CourseSet.courses.through.objects.filter(courseset__certification_id=certification_id).values(
        "course_id"
    )
    return (
        CertificationRecord.objects.filter(certification_id=certification_id, assigned_at=assigned_at)
        .filter(user_id__in=CourseCompletion.objects.filter(course_id__in=course_ids).values("user_id"))
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def records_progress_assigned(
    *,
    certification_id: int,
    assigned_at: dt.datetime,
    now: dt.datetime,
    actor_label: str = "",
    after_user_id: int = 0,
    limit: int | None = None,
) -> tuple[int, int | None]:
    """Re-evaluate learners just assigned (or restored) who already hold completions of the
    certification's courses, so earlier learning counts. The loop only visits learners with such
    completions; with ``limit``, the first ``limit`` of them above ``after_user_id`` (one batch).
    Returns records looked at and the user id to continue after (``None`` when none is left)."""
    user_ids = assigned_with_completions(certification_id=certification_id, assigned_at=assigned_at)
    user_ids = user_ids.filter(user_id__gt=after_user_id)
    user_ids = list(user_ids[: limit + 1] if limit else user_ids)
    more = limit is not None and len(user_ids) > limit
    user_ids = user_ids[:limit] if limit else user_ids
    for user_id in user_ids:
        record_progress(user_id=user_id, certification_id=certification_id, now=now, actor_label=actor_label)
    return len(user_ids), (user_ids[-1] if more else None)


def _audit_batch_sql(*, action: str, before: dict, after: dict) -> tuple[str, tuple]:
    """Audit rows for the records with ids in the batch (``%s`` list appended by the caller)."""
    before_json = json_object_sql(dict.fromkeys(before, "%s"))
    after_json = json_object_sql(dict.fromkeys(after, "%s"))
    sql = (
        f"{audit_prefix_sql()}, r.user_id, r.certification_id, %s, %s, {before_json}, {after_json} "
        f"FROM {table(CertificationRecord)} r WHERE r.id IN ({{ids}})"
    )
    return sql, (SUBJECT, action, *before.values(), *after.values())


def _run_batches(*, queryset, apply, batch_size: int, batches: int | None = None) -> int:
    """Call ``apply(ids)`` in its own transaction for batches of the queryset's record ids until none is
    left, or ``batches`` batches were run."""
    total = 0
    for _ in itertools.count() if batches is None else range(batches):
        with transaction.atomic():
            ids = list(
                queryset.select_for_update(skip_locked=True).order_by("id").values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return total
            apply(ids)
        total += len(ids)
    return total


def records_window_open(
    *,
    now: dt.datetime,
    actor_label: str,
    certification_id: int | None = None,
    batch_size: int = LIFECYCLE_BATCH,
    batches: int | None = None,
) -> int:
    """Open the recertification window of every certified record whose window opening has passed.

    Each record is copied to history, its renewal becomes "Due", and the learner's completions of
    the courses of both paths are archived and cleared so they retake the recertification path.
    """
    due = CertificationRecord.objects.filter(
        status=RecordStatus.CERTIFIED, renewal_status=RenewalStatus.NOT_DUE, window_opens__lte=now
    )
    if certification_id is not None:
        due = due.filter(certification_id=certification_id)
    stamp = db_datetime(now)

    def apply(ids: list[int]) -> None:
        placeholders = ", ".join(["%s"] * len(ids))
        fields = ", ".join(RECORD_FIELDS)
        audit_sql, audit_args = _audit_batch_sql(
            action="window_opened",
            before={"renewal_status": RenewalStatus.NOT_DUE.value},
            after={"renewal_status": RenewalStatus.DUE.value},
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table(CertificationRecordHistory)} "
                f"(user_id, certification_id, {fields}, unassigned, archived_at) "
                f"SELECT user_id, certification_id, {fields}, %s, %s FROM {table(CertificationRecord)} "
                f"WHERE id IN ({placeholders})",
                (False, stamp, *ids),
            )
            cursor.execute(
                audit_sql.format(ids=placeholders),
                (*audit_prefix_params(now=now, actor_label=actor_label), *audit_args, *ids),
            )
        CertificationRecord.objects.filter(id__in=ids).update(renewal_status=RenewalStatus.DUE, updated_at=now)
        _announce(RecordEvent.WINDOW_OPENED, ids, now)
        by_certification: dict[int, list[int]] = {}
        for cert_id, user_id in CertificationRecord.objects.filter(id__in=ids).values_list(
            "certification_id", "user_id"
        ):
            by_certification.setdefault(cert_id, []).append(user_id)
        for certification in Certification.objects.filter(pk__in=by_certification):
            course_ids = set()
            for path in CertificationPath.values:
                course_ids.update(path_course_ids(certification=certification, path=path))
            completions_archive(
                user_ids=by_certification[certification.pk],
                course_ids=sorted(course_ids),
                now=now,
                reason=f"Recertification window opened: {certification.fullname}",
            )

    opened = _run_batches(queryset=due, apply=apply, batch_size=batch_size, batches=batches)
    if opened:
        logger.info("%s: opened %d recertification windows", actor_label, opened)
    return opened


def records_expire(
    *,
    now: dt.datetime,
    actor_label: str,
    certification_id: int | None = None,
    batch_size: int = LIFECYCLE_BATCH,
    batches: int | None = None,
) -> int:
    """Expire every certified record whose expiry has passed without renewal.

    Path back to Certification, status "Expired", renewal "Renewal expired"; the due date stays the
    expiry, so the learner is overdue.
    """
    due = CertificationRecord.objects.filter(status=RecordStatus.CERTIFIED, expiry_date__lte=now)
    if certification_id is not None:
        due = due.filter(certification_id=certification_id)

    def apply(ids: list[int]) -> None:
        placeholders = ", ".join(["%s"] * len(ids))
        audit_sql, audit_args = _audit_batch_sql(
            action="expired",
            before={"status": RecordStatus.CERTIFIED.value, "path": CertificationPath.RECERTIFICATION.value},
            after={
                "status": RecordStatus.EXPIRED.value,
                "renewal_status": RenewalStatus.EXPIRED.value,
                "path": CertificationPath.CERTIFICATION.value,
            },
        )
        with connection.cursor() as cursor:
            cursor.execute(
                audit_sql.format(ids=placeholders),
                (*audit_prefix_params(now=now, actor_label=actor_label), *audit_args, *ids),
            )
        CertificationRecord.objects.filter(id__in=ids).update(
            status=RecordStatus.EXPIRED,
            renewal_status=RenewalStatus.EXPIRED,
            path=CertificationPath.CERTIFICATION,
            updated_at=now,
        )
        _announce(RecordEvent.EXPIRED, ids, now)

    expired = _run_batches(queryset=due, apply=apply, batch_size=batch_size, batches=batches)
    if expired:
        logger.info("%s: expired %d certifications", actor_label, expired)
    return expired
