"""Certifications: definitions, content, settings and visibility; each learner's
certification record and its lifecycle (assign, progress, certify, window, expiry,
unassign and restore); the audit log; and the Completion tab.
"""
