"""Courses and course completion records, with their archived history.

Sits just above the directory. Tells the apps above it that a course was completed
through ``courses.signals.course_completed``.
"""
