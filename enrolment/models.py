"""Enrolment keeps no tables of its own: memberships live in assignments (Group, GroupMember)."""
