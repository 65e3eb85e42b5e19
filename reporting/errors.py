"""Domain errors of reporting, shown to the administrator as form errors."""


class ReportError(Exception):
    pass
