"""Domain errors of the directory."""


class DirectoryError(Exception):
    """Base of the directory's domain errors."""


class TreeMoveError(DirectoryError, ValueError):
    """An organisation or position cannot be moved below itself."""
