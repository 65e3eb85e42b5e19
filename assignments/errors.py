"""Domain errors of the assignments app (services raise these; views turn them into messages)."""


class AssignmentError(Exception):
    """An assignment change that cannot be made; the message says why, in the administrator's words."""


class DuplicateAssignment(AssignmentError):
    pass


class InvalidDueDate(AssignmentError):
    pass


class ResolutionNotAllowed(AssignmentError):
    pass
