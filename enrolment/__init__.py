"""Enrolment: what the learner does. The catalogue, a certification's overview page,
the Enrol and Withdraw dialogs and Enrolment details. Calls the assignments services
to join or leave a self-enrolment group.
"""
