"""The messages every certification starts with (DOMAIN §9): enabled, with texts an administrator may edit.

Dates end their line, so that a locale's format ("4:37 p.m.") is never followed by a full stop.
"""

from .models import MessageType

SIGN_OFF = "\n\n{certification_url}\n\n{site_name}"

DEFAULTS: dict[str, dict] = {
    MessageType.ENROLMENT: {
        "subject": "You have been enrolled in {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nYou have been enrolled in the certification {certification_fullname}.\n"
        "Due date: {due_date}" + SIGN_OFF,
    },
    MessageType.UNENROLMENT: {
        "subject": "You are no longer enrolled in {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nYou are no longer enrolled in the certification "
        "{certification_fullname}. Your progress is kept in case you are enrolled again." + SIGN_OFF,
    },
    MessageType.DUE: {
        "subject": "{certification_fullname} is due soon",
        "body": "Hello {learner_fullname},\n\nPlease complete your certification {certification_fullname} "
        "before its due date.\nDue date: {due_date}" + SIGN_OFF,
        "offset_days": 7,
    },
    MessageType.OVERDUE: {
        "subject": "{certification_fullname} is overdue",
        "body": "Hello {learner_fullname},\n\nYour certification {certification_fullname} is overdue. "
        "Please complete it as soon as you can.\nDue date: {due_date}" + SIGN_OFF,
        "offset_days": 1,
    },
    MessageType.COMPLETED: {
        "subject": "You are certified: {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nCongratulations: you have completed {certification_fullname}.\n"
        "Renewal opens: {window_opens}\nExpiry date: {expiry_date}" + SIGN_OFF,
    },
    MessageType.WINDOW_OPEN: {
        "subject": "Time to renew {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nThe recertification window of {certification_fullname} is open: "
        "renew it before it expires.\nExpiry date: {expiry_date}" + SIGN_OFF,
    },
    MessageType.WINDOW_CLOSING: {
        "subject": "{certification_fullname} expires soon",
        "body": "Hello {learner_fullname},\n\nYou have not renewed {certification_fullname} yet, and it expires "
        "soon.\nExpiry date: {expiry_date}" + SIGN_OFF,
        "offset_days": 7,
    },
    MessageType.EXPIRED: {
        "subject": "{certification_fullname} has expired",
        "body": "Hello {learner_fullname},\n\nYour certification {certification_fullname} expired without being "
        "renewed. Please complete it again as soon as you can.\nExpiry date: {expiry_date}" + SIGN_OFF,
    },
}
