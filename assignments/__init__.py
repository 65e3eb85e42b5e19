"""Assignments: who must hold a certification, and by when.

Assignment rules of every type (Audience, Organisation, Position, Manager, Individual,
Group) in a type registry, due-date rules, the set-based materialisation engine that
turns rules into per-learner routes, exceptions, the recompute tasks, and the
Assignments and Exceptions tabs.
"""
