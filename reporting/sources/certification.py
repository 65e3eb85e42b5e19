"""The four certification report sources (DOMAIN.md §7)."""

from __future__ import annotations

from django.db.models import CharField, DateTimeField, F, IntegerField, Value

from assignments.models import AssignmentException, ExceptionStatus, ExceptionType, Resolution
from certifications.models import Certification, CertificationRecord, CourseSet, RecordStatus
from courses.models import CourseCompletion
from reporting.models import MembershipRow

from .base import Column, Filter, QueryContext, Source
from .common import (
    ASSIGNMENT_TYPE_FILTER,
    CERTIFICATION_COLUMNS,
    CERTIFICATION_FILTERS,
    RECORD_COLUMNS,
    RECORD_FILTERS,
    ROUTE_COLUMNS,
    USER_COLUMNS,
    USER_FILTERS,
    TrustedSQL,
    _table,
    route_name_sql,
    route_type_sql,
    trusted_sql,
)

SHARED_COLUMNS = USER_COLUMNS + CERTIFICATION_COLUMNS + ROUTE_COLUMNS
SHARED_FILTERS = (ASSIGNMENT_TYPE_FILTER, *USER_FILTERS, *CERTIFICATION_FILTERS)


# --- Progress -------------------------------------------------------------------------------------


def progress(ctx: QueryContext):
    """Per cent of the current path's course sets complete ("All courses" / "Any one course"); 100 when certified.

    The current path is the record's path; a recertification that uses the same content
    counts the certification path's sets.
    """
    sets, members = _table(CourseSet), CourseSet.courses.through._meta.db_table
    done_courses, certs = _table(CourseCompletion), _table(Certification)
    user, cert, path = ctx.outer("user_id"), ctx.outer("certification_id"), ctx.outer("path")
    current_path = (
        f"CASE WHEN {path} = 'recertification' AND (SELECT pc.recertification_same_content FROM {certs} pc"
        f" WHERE pc.id = {cert}) THEN 'certification' ELSE {path} END"
    )
    any_done = (
        f"EXISTS (SELECT 1 FROM {members} x JOIN {done_courses} cc ON cc.course_id = x.course_id"
        f" AND cc.user_id = {user} WHERE x.courseset_id = cs.id)"
    )
    all_done = (
        f"NOT EXISTS (SELECT 1 FROM {members} x WHERE x.courseset_id = cs.id AND NOT EXISTS"
        f" (SELECT 1 FROM {done_courses} cc WHERE cc.course_id = x.course_id AND cc.user_id = {user}))"
    )
    done = (
        f"CASE WHEN (cs.completion_rule = 'any' AND {any_done})"
        f" OR (cs.completion_rule <> 'any' AND {all_done}) THEN 1 ELSE 0 END"
    )
    sql = (
        f"CASE WHEN {ctx.outer('status')} = '{RecordStatus.CERTIFIED.value}' THEN 100 ELSE"
        f" (SELECT CASE WHEN COUNT(*) = 0 THEN NULL ELSE 100 * SUM({done}) / COUNT(*) END"
        f" FROM {sets} cs WHERE cs.certification_id = {cert} AND cs.path = {current_path}) END"
    )
    return trusted_sql(sql, IntegerField())


PROGRESS = Column("progress", "Progress", progress, kind="percent")


# --- Red-amber-green status (docs/decisions: report RAG status) -----------------------------------

RAG_LABELS = {
    "assigned": "Assigned",
    "due": "Due",
    "window_opens": "Window opens",
    "expires": "Expires",
    "overdue": "Overdue since",
    "expired": "Expired",
}
RAG_COLOURS = {
    "window_opens": "green",
    "assigned": "amber",
    "due": "amber",
    "expires": "amber",
    "overdue": "red",
    "expired": "red",
}


def _rag_rules(ctx: QueryContext) -> list[tuple[str, str, str | None]]:
    """(condition in SQL, status, the date shown beside it), first match wins; the last rule is the
    default. ``%s`` in a condition is the time the report is run."""
    status, certified = ctx.outer("status"), f"{ctx.outer('status')} = '{RecordStatus.CERTIFIED.value}'"
    expiry, window, due = ctx.outer("expiry_date"), ctx.outer("window_opens"), ctx.outer("due_date")
    return [
        (f"{status} = '{RecordStatus.EXPIRED.value}'", "expired", "expiry_date"),
        (f"{certified} AND {expiry} <= %s", "expired", "expiry_date"),
        (f"{certified} AND {window} > %s", "window_opens", "window_opens"),
        (certified, "expires", "expiry_date"),
        (f"{due} < %s", "overdue", "due_date"),
        (f"{due} IS NOT NULL", "due", "due_date"),
    ]


def _rag_case(ctx: QueryContext, then, default: str, output_field) -> TrustedSQL:
    """One CASE over the rules, ``then(status, date)`` the SQL of each rule's result."""
    rules = _rag_rules(ctx)
    whens = " ".join(f"WHEN {condition} THEN {then(status, date)}" for condition, status, date in rules)
    now = Value(ctx.now, output_field=DateTimeField())
    uses = sum(condition.count("%s") for condition, _, _ in rules)
    return TrustedSQL(f"CASE {whens} ELSE {default} END", [now] * uses, output_field=output_field)


def rag_status(ctx: QueryContext) -> TrustedSQL:
    return _rag_case(ctx, lambda status, date: f"'{status}'", "'assigned'", CharField())


def rag_date(ctx: QueryContext) -> TrustedSQL:
    return _rag_case(ctx, lambda status, date: ctx.outer(date), "NULL", DateTimeField())


RAG = Column("rag_status", "Status (red-amber-green)", rag_status, kind="rag", choices=RAG_LABELS, date=rag_date)


def filter_rag(queryset, value, ctx):
    return queryset.alias(f_rag=rag_status(ctx)).filter(f_rag=value)


# --- Exceptions -----------------------------------------------------------------------------------


def _exception_route(select_sql: str):
    def select(ctx: QueryContext):
        from assignments.models import Assignment

        sql = f"(SELECT {select_sql} FROM {_table(Assignment)} a WHERE a.id = {ctx.outer('assignment_id')})"
        return trusted_sql(sql, CharField())

    return select


EXCEPTION_COLUMNS = (
    Column(
        "exception_type",
        "Exception type",
        lambda ctx: F("type"),
        kind="choice",
        choices=dict(ExceptionType.choices),
        sortable=True,
    ),
    Column("raised_at", "Time raised", lambda ctx: F("raised_at"), kind="datetime", sortable=True),
    Column("route_type", "Route type", _exception_route(route_type_sql("a")), kind="list"),
    Column("route_name", "Route name", _exception_route(route_name_sql("a"))),
    Column("exception_reason", "Reason", lambda ctx: F("reason")),
    Column(
        "exception_status",
        "Exception status",
        lambda ctx: F("status"),
        kind="choice",
        choices=dict(ExceptionStatus.choices),
        sortable=True,
    ),
    Column("resolution", "Resolution", lambda ctx: F("resolution"), kind="choice", choices=dict(Resolution.choices)),
    Column("resolved_at", "Time resolved", lambda ctx: F("resolved_at"), kind="datetime", sortable=True),
)


# --- The sources ----------------------------------------------------------------------------------

MEMBERSHIP = Source(
    key="certification_membership",
    label="Certification membership",
    description="One row per learner and certification: current members, and former members from history.",
    model=MembershipRow,
    columns=(
        *SHARED_COLUMNS,
        Column(
            "membership",
            "Membership",
            lambda ctx: F("membership"),
            kind="choice",
            choices=dict(MembershipRow.Membership.choices),
            sortable=True,
        ),
        *RECORD_COLUMNS,
        Column("unassigned_at", "Date unassigned", lambda ctx: F("unassigned_at"), kind="datetime", sortable=True),
    ),
    filters=(
        *SHARED_FILTERS,
        Filter(
            "membership",
            "Membership",
            lambda qs, v, ctx: qs.filter(membership=v),
            kind="choice",
            choices=tuple(MembershipRow.Membership.choices),
        ),
        *RECORD_FILTERS,
    ),
    default_columns=(
        "user_name",
        "certification_fullname",
        "membership",
        "status",
        "assignment_type",
        "assignment_name",
    ),
    chart_column="status",
)

OVERVIEW = Source(
    key="certification_overview",
    label="Certification overview",
    description="Progress, due dates, path and status, per learner and certification.",
    model=CertificationRecord,
    columns=(*SHARED_COLUMNS, *RECORD_COLUMNS, PROGRESS),
    filters=(*SHARED_FILTERS, *RECORD_FILTERS),
    default_columns=("user_name", "certification_fullname", "path", "status", "due_date", "progress"),
    chart_column="status",
)

EXCEPTION = Source(
    key="certification_exception",
    label="Certification exception",
    description="One row per exception: its type, the time it was raised and the route it was raised on.",
    model=AssignmentException,
    columns=(*SHARED_COLUMNS, *EXCEPTION_COLUMNS),
    filters=(
        *SHARED_FILTERS,
        Filter(
            "exception_type",
            "Exception type",
            lambda qs, v, ctx: qs.filter(type=v),
            kind="choice",
            choices=tuple(ExceptionType.choices),
        ),
        Filter(
            "exception_status",
            "Exception status",
            lambda qs, v, ctx: qs.filter(status=v),
            kind="choice",
            choices=tuple(ExceptionStatus.choices),
        ),
    ),
    default_columns=("user_name", "certification_fullname", "exception_type", "raised_at", "route_type", "route_name"),
    chart_column="exception_status",
)

COMPLETION = Source(
    key="certification_completion",
    label="Certification completion",
    description="Completion record fields and a red-amber-green status.",
    model=CertificationRecord,
    columns=(*SHARED_COLUMNS, RAG, *RECORD_COLUMNS),
    filters=(
        *SHARED_FILTERS,
        Filter("rag_status", "Status (red-amber-green)", filter_rag, kind="choice", choices=tuple(RAG_LABELS.items())),
        *RECORD_FILTERS,
    ),
    default_columns=("user_name", "certification_fullname", "rag_status", "due_date", "completion_date"),
    chart_column="rag_status",
)

SOURCES = (MEMBERSHIP, OVERVIEW, EXCEPTION, COMPLETION)
