"""Columns and filters every certification source shares: user, certification and assignment routes.

Names and lists are computed in SQL (one correlated subquery per column, evaluated only for the
rows of the page or the export), never per row in Python.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Cast, Concat

from assignments.models import Assignment, AssignmentType, GroupMember, RouteState, UserAssignment
from assignments.selectors import awaiting_event_routes
from assignments.types import REGISTRY
from certifications.models import (
    CertificationPath,
    CertificationRecordHistory,
    PeriodUnit,
    RecordStatus,
    RenewalStatus,
    Visibility,
)
from directory.models import JobAssignment, Organisation, Position

from .base import Column, Filter, QueryContext

# A route counts for reports while it reaches the learner: assigned, or waiting in exception.
SHOWN_ROUTE_STATES = (RouteState.ACTIVE.value, RouteState.EXCEPTION.value)
LIST_SEPARATOR = "; "
IN_EXCEPTION = " (in exception)"


def trusted_sql(sql: str, output_field) -> RawSQL:
    """An SQL expression built only from table names and constants of this module, never from input."""
    return RawSQL(sql, (), output_field=output_field)  # noqa: S611


class TrustedSQL(Expression):
    """``trusted_sql`` with values: each ``%s`` of ``sql`` is replaced by the next of ``values`` (ORM
    expressions, such as ``F("user__email")`` or ``Value(now, output_field=DateTimeField())``), compiled
    for the statement's own database, joins and parameters included.

    Written as one SQL text, a column costs the ORM little to build or compile: the red-amber-green
    status as six ``When(Q(...))`` took 3.3 ms of each report page, the user's name as nested functions
    1 ms (B4, decision 0146)."""

    def __init__(self, sql: str, values=(), *, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.values = sql, list(values)

    def get_source_expressions(self):
        return self.values

    def set_source_expressions(self, exprs):
        self.values = list(exprs)

    def as_sql(self, compiler, connection):
        parts = self.sql.split("%s")
        sql, params = [parts[0]], []
        for value, part in zip(self.values, parts[1:], strict=True):
            value_sql, value_params = compiler.compile(value)
            sql += [value_sql, part]
            params.extend(value_params)
        return f"({''.join(sql)})", params


def _table(model) -> str:
    return model._meta.db_table


def person_name_sql(alias: str) -> str:
    """A user's full name, or their username when they have none."""
    return _person_name(f"{alias}.first_name", f"{alias}.last_name", f"{alias}.username")


def _person_name(first: str, last: str, username: str) -> str:
    return f"COALESCE(NULLIF(TRIM({first} || ' ' || {last}), ''), {username})"


def list_sql(value_sql: str, from_sql: str, order_sql: str) -> str:
    """A scalar subquery joining ``value_sql`` of every row of ``from_sql`` with "; ", in ``order_sql`` order."""
    return f"(SELECT {list_agg_sql(value_sql, order_sql)} {from_sql})"


def list_agg_sql(value_sql: str, order_sql: str) -> str:
    """The aggregate joining ``value_sql`` of a group's rows with "; " (NULLs left out), in ``order_sql`` order."""
    if connection.vendor == "postgresql":
        return f"string_agg({value_sql}, '{LIST_SEPARATOR}' ORDER BY {order_sql})"
    # SQLite (tests, local runs): group_concat follows the scan order, the same for every list column.
    return f"group_concat({value_sql}, '{LIST_SEPARATOR}')"


def full_name(prefix: str = "user__") -> TrustedSQL:
    """A user's full name, or their username when they have none (``person_name_sql`` of a joined user)."""
    names = [F(f"{prefix}{name}") for name in ("first_name", "last_name", "username")]
    return TrustedSQL(_person_name("%s", "%s", "%s"), names, output_field=CharField())


# --- Assignment routes ----------------------------------------------------------------------------


def route_type_sql(alias: str = "a") -> str:
    """The label of assignment ``alias``'s type."""
    return type_label_sql(f"{alias}.type")


def type_label_sql(type_sql: str) -> str:
    """The label of the assignment type ``type_sql``, from the engine's type registry."""
    whens = " ".join(f"WHEN '{kind.type}' THEN '{kind.label}'" for kind in REGISTRY.values())
    return f"CASE {type_sql} {whens} END"


def route_name_sql(alias: str = "a") -> str:
    """The name of an assignment for reports: its target's name (audience, organisation, position,
    group) or full name (manager, individual), for every type of the engine's registry.

    In SQL, as scalar subqueries by primary key (not six LEFT JOINs, which cost the planner more
    than the page's rows); the registry's ``name`` does the same for one assignment in Python.
    """
    user = get_user_model()
    whens = []
    for kind in REGISTRY.values():
        target = Assignment._meta.get_field(kind.target_field)
        name_sql = person_name_sql("n") if target.related_model is user else "n.name"
        lookup = f"(SELECT {name_sql} FROM {_table(target.related_model)} n WHERE n.id = {alias}.{target.column})"
        whens.append(f"WHEN '{kind.type}' THEN {lookup}")
    return f"COALESCE(CASE {alias}.type {' '.join(whens)} END, '')"


def _routes_from_sql(ctx: QueryContext) -> str:
    states = ", ".join(f"'{s}'" for s in SHOWN_ROUTE_STATES)
    return (
        f"FROM {_table(UserAssignment)} ua JOIN {_table(Assignment)} a ON a.id = ua.assignment_id"
        f" WHERE ua.user_id = {ctx.outer('user_id')} AND ua.certification_id = {ctx.outer('certification_id')}"
        f" AND ua.state IN ({states})"
    )


SELF_ENROLLED = "Self-enrolled"
ADDED_BY_ADMINISTRATOR = "Added by a site administrator"


def route_value_sql(key: str, attribute=None) -> str:
    """One route's value of the route column ``key`` (``ua`` the learner's route), NULL where the column
    shows nothing for it (Group membership of a route of another type). ``attribute(name)`` is the SQL of
    the route's assignment's ``type``, ``group_id`` or ``name``: by default from the joined assignment
    ``a``; an export reads them by key instead (reporting.route_rows)."""
    if attribute is None:
        attribute = _joined_attribute
    if key == "assignment_type":
        return type_label_sql(attribute("type"))
    if key == "assignment_name":
        marked = f"CASE WHEN ua.state = '{RouteState.EXCEPTION.value}' THEN '{IN_EXCEPTION}' ELSE '' END"
        return f"{attribute('name')} || {marked}"
    self_enrolled = (
        f"EXISTS (SELECT 1 FROM {_table(GroupMember)} gm WHERE gm.group_id = {attribute('group_id')}"
        f" AND gm.user_id = ua.user_id AND gm.self_enrolled)"
    )
    return (
        f"CASE WHEN {attribute('type')} = '{AssignmentType.GROUP.value}' THEN CASE WHEN"
        f" {self_enrolled} THEN '{SELF_ENROLLED}' ELSE '{ADDED_BY_ADMINISTRATOR}' END END"
    )


def _joined_attribute(name: str) -> str:
    return route_name_sql("a") if name == "name" else f"a.{name}"


def _route_list(key: str):
    def select(ctx: QueryContext) -> RawSQL:
        return trusted_sql(list_sql(route_value_sql(key), _routes_from_sql(ctx), "ua.id"), CharField())

    return select


routes_type_list = _route_list("assignment_type")
routes_name_list = _route_list("assignment_name")
group_membership_list = _route_list("group_membership")  # Self-enrolled, or added by a site administrator


def filter_assignment_type(queryset: QuerySet, value: str, ctx: QueryContext) -> QuerySet:
    """Rows of learners reached by a route of this type (assigned or in exception) for the row's certification."""
    return queryset.filter(
        Exists(
            UserAssignment.objects.filter(
                user_id=OuterRef("user_id"),
                certification_id=OuterRef("certification_id"),
                state__in=SHOWN_ROUTE_STATES,
                assignment__type=value,
            )
        )
    )


ROUTE_COLUMNS = (
    Column("assignment_type", "Assignment type", routes_type_list, kind="list"),
    Column("assignment_name", "Assignment name", routes_name_list, kind="list"),
    Column("group_membership", "Group membership", group_membership_list, kind="list"),
)
ASSIGNMENT_TYPE_FILTER = Filter(
    "assignment_type",
    "Assignment type",
    filter_assignment_type,
    kind="choice",
    choices=tuple(sorted(((kind.type, kind.label) for kind in REGISTRY.values()), key=lambda choice: choice[1])),
)


# --- User -----------------------------------------------------------------------------------------


def _job_list(ctx: QueryContext, join_sql: str, value_sql: str) -> RawSQL:
    from_sql = (
        f"FROM {_table(JobAssignment)} ja {join_sql}"
        f" WHERE ja.user_id = {ctx.outer('user_id')} AND {value_sql} IS NOT NULL"
    )
    return trusted_sql(list_sql(value_sql, from_sql, "ja.id"), CharField())


def organisation_list(ctx: QueryContext) -> RawSQL:
    return _job_list(ctx, f"JOIN {_table(Organisation)} jo ON jo.id = ja.organisation_id", "jo.name")


def position_list(ctx: QueryContext) -> RawSQL:
    return _job_list(ctx, f"JOIN {_table(Position)} jp ON jp.id = ja.position_id", "jp.name")


def manager_list(ctx: QueryContext) -> RawSQL:
    return _job_list(ctx, f"JOIN {_table(get_user_model())} jm ON jm.id = ja.manager_id", person_name_sql("jm"))


USER_COLUMNS = (
    Column("user_name", "User's name", lambda ctx: full_name(), sortable=True),
    Column("user_email", "User's email", lambda ctx: F("user__email"), sortable=True),
    Column("user_organisation", "User's organisation", organisation_list, kind="list"),
    Column("user_position", "User's position", position_list, kind="list"),
    Column("user_manager", "User's manager", manager_list, kind="list"),
)


def _contains_in_job(**lookup) -> Exists:
    return Exists(JobAssignment.objects.filter(user_id=OuterRef("user_id"), **lookup))


def filter_user_name(queryset: QuerySet, value: str, ctx: QueryContext) -> QuerySet:
    return queryset.alias(f_user_name=full_name()).filter(f_user_name__icontains=value)


def filter_manager_name(queryset: QuerySet, value: str, ctx: QueryContext) -> QuerySet:
    managers = JobAssignment.objects.alias(f_name=full_name("manager__")).filter(
        user_id=OuterRef("user_id"), f_name__icontains=value
    )
    return queryset.filter(Exists(managers))


USER_FILTERS = (
    Filter("user_name", "User's name contains", filter_user_name),
    Filter(
        "user_organisation",
        "User's organisation contains",
        lambda qs, v, ctx: qs.filter(_contains_in_job(organisation__name__icontains=v)),
    ),
    Filter(
        "user_position",
        "User's position contains",
        lambda qs, v, ctx: qs.filter(_contains_in_job(position__name__icontains=v)),
    ),
    Filter("user_manager", "User's manager contains", filter_manager_name),
)


# --- Certification --------------------------------------------------------------------------------


def _period(prefix: str):
    def select(ctx: QueryContext) -> Concat:
        return Concat(
            Cast(F(f"certification__{prefix}_amount"), CharField()),
            Value(" "),
            F(f"certification__{prefix}_unit"),
            output_field=CharField(),
        )

    return select


CERTIFICATION_COLUMNS = (
    Column(
        "certification_fullname",
        "Certification",
        lambda ctx: F("certification__fullname"),
        sortable=True,
        date=lambda ctx: F("certification_id"),
        link="enrolment:overview",
    ),
    Column("certification_shortname", "Short name", lambda ctx: F("certification__shortname"), sortable=True),
    Column("certification_idnumber", "ID number", lambda ctx: F("certification__idnumber"), sortable=True),
    Column(
        "certification_visibility",
        "Visibility",
        lambda ctx: F("certification__visibility"),
        kind="choice",
        choices=dict(Visibility.choices),
    ),
    Column("certification_active_period", "Active period", _period("active_period"), kind="period"),
    Column("certification_window_period", "Window period", _period("window_period"), kind="period"),
)

CERTIFICATION_FILTERS = (
    Filter(
        "certification",
        "Certification name contains",
        lambda qs, v, ctx: qs.filter(
            Q(certification__fullname__icontains=v) | Q(certification__shortname__icontains=v)
        ),
    ),
)

PERIOD_UNIT_LABELS = {
    PeriodUnit.DAYS.value: ("day", "days"),
    PeriodUnit.WEEKS.value: ("week", "weeks"),
    PeriodUnit.MONTHS.value: ("month", "months"),
    PeriodUnit.YEARS.value: ("year", "years"),
}


# --- The learner's record -------------------------------------------------------------------------


def previous_completions(ctx: QueryContext) -> RawSQL:
    """Completed periods kept in history (copies left by unassignment are not completions)."""
    sql = (
        f"(SELECT COUNT(*) FROM {_table(CertificationRecordHistory)} ph"
        f" WHERE ph.user_id = {ctx.outer('user_id')} AND ph.certification_id = {ctx.outer('certification_id')}"
        f" AND ph.completion_date IS NOT NULL AND NOT ph.unassigned)"
    )
    return trusted_sql(sql, IntegerField())


def _field(name: str):
    return lambda ctx: F(name)


def awaiting_event(ctx: QueryContext) -> Exists:
    """Whether the row's learner waits for their rule's event: a missing due date is "Not yet known".

    In an export, the hash of every waiting route, read once, costs less than a lookup for each of a
    million rows (5 against 10 µs a row, B6b); a page reads it for its learners in one statement of
    their routes instead (reporting.route_rows.read_page_routes, decision 0146)."""
    return Exists(
        awaiting_event_routes().filter(user_id=OuterRef("user_id"), certification_id=OuterRef("certification_id"))
    )


RECORD_COLUMNS = (
    Column("path", "Path", _field("path"), kind="choice", choices=dict(CertificationPath.choices), sortable=True),
    Column("status", "Status", _field("status"), kind="choice", choices=dict(RecordStatus.choices), sortable=True),
    Column(
        "renewal_status",
        "Renewal status",
        _field("renewal_status"),
        kind="choice",
        choices=dict(RenewalStatus.choices),
        sortable=True,
    ),
    Column("due_date", "Due date", _field("due_date"), kind="due", sortable=True, date=awaiting_event),
    Column("completion_date", "Completion date", _field("completion_date"), kind="datetime", sortable=True),
    Column("window_opens", "Window opens", _field("window_opens"), kind="datetime", sortable=True),
    Column("expiry_date", "Expiry date", _field("expiry_date"), kind="datetime", sortable=True),
    Column("assigned_at", "Date assigned", _field("assigned_at"), kind="datetime", sortable=True),
    Column("previous_completions", "Previous completions", previous_completions, kind="number"),
)

RECORD_FILTERS = (
    Filter(
        "status", "Status", lambda qs, v, ctx: qs.filter(status=v), kind="choice", choices=tuple(RecordStatus.choices)
    ),
    Filter(
        "renewal_status",
        "Renewal status",
        lambda qs, v, ctx: qs.filter(renewal_status=v),
        kind="choice",
        choices=tuple(RenewalStatus.choices),
    ),
    Filter(
        "path", "Path", lambda qs, v, ctx: qs.filter(path=v), kind="choice", choices=tuple(CertificationPath.choices)
    ),
)
