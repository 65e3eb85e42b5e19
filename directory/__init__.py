"""The directory: people and structure.

Users' first login and timezone, organisation and position trees, job assignments
(with managers), audiences, profile date fields, and the CSV import. The lowest app:
it imports no other certlms app, and tells the apps above it about changes through
the signals in ``directory.signals``.
"""
