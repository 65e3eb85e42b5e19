"""The messages every certification starts with (DOMAIN §9): enabled, with texts an administrator may edit."""

from .models import MessageType

SIGN_OFF = "\n\n{certification_url}\n\n{site_name}"

DEFAULTS: dict[str, dict] = {
    MessageType.ENROLMENT: {
        "subject": "You have been enrolled in {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nYou have been enrolled in the certification {certification_fullname}. "
        "Your due date: {due_date}." + SIGN_OFF,
    },
    MessageType.UNENROLMENT: {
        "subject": "You are no longer enrolled in {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nYou are no longer enrolled in the certification "
        "{certification_fullname}. Your progress is kept in case you are enrolled again." + SIGN_OFF,
    },
    MessageType.DUE: {
        "subject": "{certification_fullname} is due on {due_date}",
        "body": "Hello {learner_fullname},\n\nYour certification {certification_fullname} is due on {due_date}. "
        "Please complete it before then." + SIGN_OFF,
        "offset_days": 7,
    },
    MessageType.OVERDUE: {
        "subject": "{certification_fullname} is overdue",
        "body": "Hello {learner_fullname},\n\nYour certification {certification_fullname} was due on {due_date} "
        "and is now overdue. Please complete it as soon as you can." + SIGN_OFF,
        "offset_days": 1,
    },
    MessageType.COMPLETED: {
        "subject": "You are certified: {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nCongratulations: you have completed {certification_fullname}. "
        "Your certification expires on {expiry_date}; renewal opens on {window_opens}." + SIGN_OFF,
    },
    MessageType.WINDOW_OPEN: {
        "subject": "Time to renew {certification_fullname}",
        "body": "Hello {learner_fullname},\n\nThe recertification window of {certification_fullname} is open. "
        "Renew it before it expires on {expiry_date}." + SIGN_OFF,
    },
    MessageType.WINDOW_CLOSING: {
        "subject": "{certification_fullname} expires on {expiry_date}",
        "body": "Hello {learner_fullname},\n\nYour certification {certification_fullname} expires on "
        "{expiry_date} and you have not renewed it yet." + SIGN_OFF,
        "offset_days": 7,
    },
    MessageType.EXPIRED: {
        "subject": "{certification_fullname} has expired",
        "body": "Hello {learner_fullname},\n\nYour certification {certification_fullname} expired on {expiry_date} "
        "without being renewed. Please complete it again as soon as you can." + SIGN_OFF,
    },
}

# The time-based messages and their direction: the sweep sends them ``offset_days`` before or after a date.
TIME_BASED = (MessageType.DUE, MessageType.OVERDUE, MessageType.WINDOW_CLOSING)
