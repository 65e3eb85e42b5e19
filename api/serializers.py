"""What the API reads and writes. Output serializers describe rows the selectors return; input
serializers check the shape of a request (types, required members), and the rules stay where the
pages have them: the page's form or the service decides."""

from __future__ import annotations

from rest_framework import serializers

from assignments.models import AssignmentType, DueEvent, DueKind, ExceptionType, Resolution
from certifications.models import CertificationPath, PeriodUnit, RecordStatus, RenewalStatus

from .fields import AwareDateTimeField, IdField

# --- Errors -------------------------------------------------------------------------------------


class RowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The row's position in the request, from 0.")
    external_id = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid, not_found, read_only_token.")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(required=False, help_text="Invalid input: each field's messages.")
    rows = RowErrorSerializer(many=True, required=False, help_text="An import's bad rows; nothing was written.")


# --- Paging -------------------------------------------------------------------------------------


class PageParams(serializers.Serializer):
    after = IdField(required=False, help_text="The id of the last item of the previous page (its next_after).")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


_pages: dict[type, type] = {}


def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The page serializer of ``item``: results, and the cursor of the next page (null on the last)."""
    if item not in _pages:
        name = item.__name__.removesuffix("Serializer") + "PageSerializer"
        _pages[item] = type(
            name,
            (serializers.Serializer,),
            {
                "results": item(many=True),
                "next_after": serializers.IntegerField(allow_null=True, help_text="Pass as after= for the next page."),
                "__module__": __name__,
            },
        )
    return _pages[item]


# --- Small references ---------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class CertificationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shortname = serializers.CharField()
    fullname = serializers.CharField()


# --- Certifications -----------------------------------------------------------------------------


class CertificationSearchParams(PageParams):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Name or summary contains.")


class CertificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fullname = serializers.CharField()
    shortname = serializers.CharField()
    idnumber = serializers.CharField()
    summary = serializers.CharField()
    available_from = serializers.DateTimeField(allow_null=True)
    available_until = serializers.DateTimeField(allow_null=True)
    is_assigned = serializers.BooleanField(help_text="An assignment reaches the caller.")
    is_self_enrolled = serializers.BooleanField()
    open_for_enrolment = serializers.BooleanField(help_text="A group of it takes enrolments.")


class GroupOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="group.pk")
    name = serializers.CharField(source="group.name")
    description = serializers.CharField(source="group.description")
    due_date = serializers.DateTimeField(allow_null=True, help_text="The due date enrolling now would give.")
    due_description = serializers.CharField(source="due_words")


class CertificationDetailSerializer(CertificationSerializer):
    groups_open_for_enrolment = GroupOfferSerializer(many=True, help_text="Groups the caller may enrol in now.")


# --- Due dates and assignments ------------------------------------------------------------------


class DueInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DueKind.choices, default=DueKind.NONE)
    fixed_at = AwareDateTimeField(required=False, allow_null=True)
    amount = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1000)
    unit = serializers.ChoiceField(choices=PeriodUnit.choices, required=False, allow_blank=True)
    event = serializers.ChoiceField(choices=DueEvent.choices, required=False, allow_blank=True)
    position = IdField(required=False, allow_null=True, help_text="For the position events.")
    certification = IdField(required=False, allow_null=True, help_text="For certification completion.")
    course = IdField(required=False, allow_null=True, help_text="For course completion.")
    profile_field = IdField(required=False, allow_null=True, help_text="For a profile field date.")


class DueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DueKind.choices, source="due_kind")
    fixed_at = serializers.DateTimeField(source="due_fixed_at", allow_null=True)
    amount = serializers.IntegerField(source="due_amount", allow_null=True)
    unit = serializers.CharField(source="due_unit")
    event = serializers.CharField(source="due_event")
    position = serializers.IntegerField(source="due_event_position_id", allow_null=True)
    certification = serializers.IntegerField(source="due_event_certification_id", allow_null=True)
    course = serializers.IntegerField(source="due_event_course_id", allow_null=True)
    profile_field = serializers.IntegerField(source="due_event_profile_field_id", allow_null=True)


class AssignmentInSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[c for c in AssignmentType.choices if c[0] != AssignmentType.GROUP])
    target = IdField(help_text="The audience, organisation, position, manager or user assigned.")
    include_children = serializers.BooleanField(default=False)
    due = DueInSerializer(required=False)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=AssignmentType.choices)
    name = serializers.CharField()
    target = serializers.IntegerField(allow_null=True)
    include_children = serializers.BooleanField()
    due = DueSerializer(source="*")
    due_description = serializers.CharField()
    learners = serializers.IntegerField(help_text="Learners it assigns now.")
    in_exception = serializers.IntegerField(help_text="Learners it reaches whose route is in exception.")
    created_at = serializers.DateTimeField()


class AssignmentRemovedSerializer(serializers.Serializer):
    learners_affected = serializers.IntegerField()


# --- Groups -------------------------------------------------------------------------------------


# The Group dialog's form checks the name (its own messages), so the shape here lets any text through.
GROUP_NAME = {"max_length": 1000, "allow_blank": True, "trim_whitespace": False}


class GroupInSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, help_text="Required.", **GROUP_NAME)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    allow_enrol = serializers.BooleanField(required=False, default=False)
    allow_withdraw = serializers.BooleanField(required=False, default=False)
    due = DueInSerializer(required=False, help_text="The group's assignment due date.")


class GroupUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, **GROUP_NAME)
    description = serializers.CharField(required=False, allow_blank=True)
    allow_enrol = serializers.BooleanField(required=False)
    allow_withdraw = serializers.BooleanField(required=False)
    due = DueInSerializer(required=False)


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    certification = serializers.IntegerField(source="certification_id")
    name = serializers.CharField()
    description = serializers.CharField()
    allow_enrol = serializers.BooleanField()
    allow_withdraw = serializers.BooleanField()
    members = serializers.IntegerField(source="member_count")
    self_enrolled = serializers.IntegerField(source="self_enrolled_count")
    due_description = serializers.CharField()
    created_at = serializers.DateTimeField()


class MembersInSerializer(serializers.Serializer):
    users = serializers.ListField(child=IdField(), min_length=1, max_length=1000)


class MembersAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField()


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserRefSerializer()
    self_enrolled = serializers.BooleanField()
    joined_at = serializers.DateTimeField()


# --- Records ------------------------------------------------------------------------------------


class RecordParams(PageParams):
    status = serializers.ChoiceField(choices=RecordStatus.choices, required=False)
    due_after = AwareDateTimeField(required=False, help_text="Due at or after this time.")
    due_before = AwareDateTimeField(required=False, help_text="Due before this time.")
    assignment_type = serializers.ChoiceField(
        choices=AssignmentType.choices, required=False, help_text="Reached by an assignment of this type."
    )


class RecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserRefSerializer()
    certification = CertificationRefSerializer()
    path = serializers.ChoiceField(choices=CertificationPath.choices)
    status = serializers.ChoiceField(choices=RecordStatus.choices)
    renewal_status = serializers.ChoiceField(choices=RenewalStatus.choices)
    due_date = serializers.DateTimeField(allow_null=True)
    completion_date = serializers.DateTimeField(allow_null=True)
    window_opens = serializers.DateTimeField(allow_null=True)
    expiry_date = serializers.DateTimeField(allow_null=True)
    assigned_at = serializers.DateTimeField()


# --- Enrolment ----------------------------------------------------------------------------------


class EnrolInSerializer(serializers.Serializer):
    group = IdField(help_text="One of the certification's groups_open_for_enrolment.")


class EnrolmentSerializer(serializers.Serializer):
    group = serializers.IntegerField(source="member.group_id")
    group_name = serializers.CharField(source="member.group.name")
    joined_at = serializers.DateTimeField(source="member.joined_at")
    assigned = serializers.BooleanField()
    due_date = serializers.DateTimeField(allow_null=True)
    awaiting_administrator = serializers.BooleanField()
    reason = serializers.CharField(source="exception_reason", help_text="Why it awaits an administrator.")


# --- Completions import -------------------------------------------------------------------------


class CompletionInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=255, help_text="Your id for this completion; resending it is safe.")
    user = serializers.CharField(max_length=150, help_text="The learner's username.")
    course = serializers.CharField(max_length=100, help_text="The course's short name.")
    completed_at = AwareDateTimeField()


class CompletionsInSerializer(serializers.Serializer):
    completions = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=1000)


class CompletionsImportedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="New completions recorded.")
    updated = serializers.IntegerField(help_text="Known external ids whose completion time changed.")
    unchanged = serializers.IntegerField(help_text="Known external ids sent again as they were.")


# --- Exceptions ---------------------------------------------------------------------------------


class ExceptionParams(PageParams):
    type = serializers.ChoiceField(choices=ExceptionType.choices, required=False)


class ExceptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserRefSerializer()
    type = serializers.ChoiceField(choices=ExceptionType.choices)
    reason = serializers.CharField()
    raised_at = serializers.DateTimeField()
    assignment = serializers.IntegerField(source="assignment_id")
    route_type = serializers.CharField()
    route_name = serializers.CharField()
    resolutions = serializers.ListField(child=serializers.ChoiceField(choices=Resolution.choices))


class ResolveInSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    exceptions = serializers.ListField(child=IdField(), min_length=1, max_length=10000)


class ResolvedSerializer(serializers.Serializer):
    resolved = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Not of a type the resolution is offered for.")


# --- Reports ------------------------------------------------------------------------------------


class ReportColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    heading = serializers.CharField()
    kind = serializers.CharField()


class ReportFilterSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Pass as a query parameter of rows and export.")
    label = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    source = serializers.CharField()


class ReportDetailSerializer(ReportSerializer):
    columns = ReportColumnSerializer(many=True)
    filters = ReportFilterSerializer(many=True)


class ReportRowsParams(serializers.Serializer):
    after = serializers.CharField(required=False, max_length=500, help_text="next_cursor of the previous page.")
    before = serializers.CharField(required=False, max_length=500, help_text="previous_cursor of the next page.")
    sort = serializers.CharField(required=False, max_length=100, help_text="A column key; -key for descending.")


class ReportRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    values = serializers.DictField(help_text="Each column's value by column key (dates ISO 8601).")
    cells = serializers.ListField(child=serializers.CharField(), help_text="Each column as the page shows it.")


class ReportRowsSerializer(serializers.Serializer):
    columns = ReportColumnSerializer(many=True)
    rows = ReportRowSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    previous_cursor = serializers.CharField(allow_null=True)
