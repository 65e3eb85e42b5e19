"""Domain errors of the assignments app (services raise these; views turn them into messages)."""


class AssignmentError(Exception):
    """An assignment change that cannot be made; the message says why, in the administrator's words."""


class DuplicateAssignment(AssignmentError):
    pass


class InvalidDueDate(AssignmentError):
    pass


class ResolutionNotAllowed(AssignmentError):
    pass


# The groups' errors: a learner's enrol or withdraw request (assignments.services.groups raises them).


class EnrolmentError(Exception):
    """A learner's enrol or withdraw request that cannot be carried out; the message says why."""


class NotEnrollable(EnrolmentError):
    pass


class GroupFull(NotEnrollable):
    """The group has as many members as its Maximum learners."""


class EnrolmentKeyRefused(NotEnrollable):
    """A wrong enrolment key, or too many wrong keys in a row (the learner must wait)."""


class AlreadyEnrolled(EnrolmentError):
    pass


class NotEnrolled(EnrolmentError):
    pass


class WithdrawalNotAllowed(EnrolmentError):
    pass


class RequestNotPending(EnrolmentError):
    """The enrolment request was decided or cancelled meanwhile."""
