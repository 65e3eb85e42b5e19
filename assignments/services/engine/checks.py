"""The exception checks (DOMAIN §5) as SQL, and their reasons in plain words.

``rec`` is the learner's record row of the run's certification (a LEFT JOIN) in every fragment;
``exception_case`` reads it only where the path decides the allowance (``Context.path_matters``), and
``record_join`` joins it only then.
"""

from __future__ import annotations

from certifications.models import Certification, CertificationPath, CertificationRecord
from certifications.sql import Sql

from ... import sql
from ...models import DUE_EVENT_TARGETS, Assignment, ExceptionType
from .context import Context
from .due import event_target_missing

RECORD = CertificationRecord._meta.db_table
CERT = Certification._meta.db_table


def exception_case(ctx: Context, *, user: str, due: str, unknown: str) -> Sql:
    """SQL CASE giving the first exception that matches, or ''."""
    if ctx.conflicts:
        already = Sql.of(
            "EXISTS (SELECT 1 FROM {record} o WHERE o.user_id = {user} AND o.certification_id IN ({others}))",
            record=RECORD,
            user=user,
            others=Sql.values(ctx.conflicts),
        )
    else:
        already = Sql(sql.false())
    by = Sql.value(ctx.threshold(ctx.cert_days))
    if ctx.path_matters:
        by = Sql.of(
            "CASE WHEN rec.path = {recert} THEN {recert_by} ELSE {cert_by} END",
            recert=Sql.value(CertificationPath.RECERTIFICATION),
            recert_by=Sql.value(ctx.threshold(ctx.recert_days)),
            cert_by=by,
        )
    allowance = Sql.of("({due} IS NOT NULL AND {due} < {by})", due=due, by=by)
    return Sql.of(
        "CASE WHEN {already} THEN '{already_type}' WHEN {unknown} THEN '{unknown_type}' "
        "WHEN {allowance} THEN '{allowance_type}' ELSE '' END",
        already=already,
        already_type=ExceptionType.ALREADY_ASSIGNED,
        unknown=unknown,
        unknown_type=ExceptionType.COMPLETION_TIME_UNKNOWN,
        allowance=allowance,
        allowance_type=ExceptionType.TIME_ALLOWANCE,
    )


def record_join(ctx: Context, user: str) -> Sql:
    """`` LEFT JOIN`` of the learner's record ``rec`` for ``exception_case`` over rows whose learner is
    ``user``; nothing where the path does not decide the allowance. A batch joins its id range only."""
    if not ctx.path_matters:
        return Sql("")
    return Sql.of(
        " LEFT JOIN {record} rec ON rec.user_id = {user} AND rec.certification_id = {certification}{batch}",
        record=RECORD,
        user=user,
        certification=Sql.value(ctx.certification.pk),
        batch=ctx.scope.batch_sql("rec.user_id"),
    )


def unknown_reason(assignment: Assignment) -> str:
    if event_target_missing(assignment):
        what = DUE_EVENT_TARGETS[assignment.due_event].what
        return f"The due date is relative to {what} that has been deleted, so it can never be known."
    field_name = assignment.due_event_profile_field.name if assignment.due_event_profile_field_id else ""
    return (
        f"The due date is relative to the profile field '{field_name}', "
        "whose value for this learner is not a valid date."
    )


def allowance_reason(days: int, path_label: str) -> str:
    return (
        f"The time left until the due date is shorter than the {days} days the {path_label} path "
        "of this certification requires."
    )


def reason_sql(ctx: Context, assignment: Assignment) -> Sql:
    """SQL giving the exception's reason in plain words, from the route ``ua`` and record ``rec``."""
    if ctx.conflicts:
        other = Sql.of(
            "(SELECT MIN(c.fullname) FROM {record} o JOIN {cert} c ON c.id = o.certification_id "
            "WHERE o.user_id = ua.user_id AND o.certification_id IN ({others}))",
            record=RECORD,
            cert=CERT,
            others=Sql.values(ctx.conflicts),
        )
        already = Sql.of(
            "{before} || {other} || {after}",
            before=Sql.value("The learner is already assigned to the certification '"),
            other=other,
            after=Sql.value("', which contains a course of this certification."),
        )
    else:
        already = Sql("''")
    return Sql.of(
        "CASE ua.exception_type WHEN '{already_type}' THEN {already} "
        "WHEN '{unknown_type}' THEN {unknown} ELSE CASE WHEN rec.path = {recert} THEN {recert_reason} "
        "ELSE {cert_reason} END END",
        already_type=ExceptionType.ALREADY_ASSIGNED,
        already=already,
        unknown_type=ExceptionType.COMPLETION_TIME_UNKNOWN,
        unknown=Sql.value(unknown_reason(assignment)),
        recert=Sql.value(CertificationPath.RECERTIFICATION),
        recert_reason=Sql.value(allowance_reason(ctx.recert_days, "recertification")),
        cert_reason=Sql.value(allowance_reason(ctx.cert_days, "certification")),
    )
