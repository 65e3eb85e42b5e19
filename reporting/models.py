"""User reports and export jobs (added by the reports work)."""
