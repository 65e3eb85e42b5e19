"""The dates of a new certification period, by recertification method (DOMAIN §2).

Pure functions over datetimes; ``record_progress`` stores what they return.
"""

import datetime as dt
from dataclasses import dataclass

from ..models import Certification, RecertificationMethod
from ..periods import DAYS, Period, add_period, subtract_period


@dataclass(frozen=True)
class PeriodDates:
    base: dt.datetime
    expiry: dt.datetime
    window_opens: dt.datetime


def period_dates(
    *,
    method: str,
    completion: dt.datetime,
    previous_expiry: dt.datetime | None,
    due_date: dt.datetime | None,
    active: Period,
    window: Period,
    minimum_active: Period | None = None,
) -> PeriodDates:
    """Base date, expiry (base + active period) and window opening (expiry − window period).

    The base date by method:
    - "Use certification completion date": the completion.
    - "Use certification expiry date": the previous baseline expiry (recertification) or the due
      date (first certification); the completion instead when overdue (completed after that
      anchor) or completed before the window would have opened (nobody banks a second period).
    - "Use fixed expiry date": the previous expiry, else the due date, else the completion, moved
      forward by whole active periods (always counted from that anchor, so month ends never drift)
      until the expiry lies at least one minimum active period after the completion.
    """
    if active.amount < 1:
        raise ValueError("The active period must be at least 1")
    if method == RecertificationMethod.FIXED:
        anchor = previous_expiry or due_date or completion
        must_reach = add_period(completion, minimum_active or Period(0, DAYS))
        count = 0
        while add_period(anchor, active, count=count + 1) < must_reach:
            count += 1
        base = add_period(anchor, active, count=count)
        expiry = add_period(anchor, active, count=count + 1)
    else:
        base = completion
        if method == RecertificationMethod.EXPIRY:
            anchor = previous_expiry or due_date
            if anchor is not None and subtract_period(anchor, window) <= completion <= anchor:
                base = anchor
        expiry = add_period(base, active)
    return PeriodDates(base=base, expiry=expiry, window_opens=subtract_period(expiry, window))


def certification_period_dates(
    *,
    certification: Certification,
    completion: dt.datetime,
    previous_expiry: dt.datetime | None,
    due_date: dt.datetime | None,
) -> PeriodDates:
    return period_dates(
        method=certification.recertification_method,
        completion=completion,
        previous_expiry=previous_expiry,
        due_date=due_date,
        active=certification.active_period,
        window=certification.window_period,
        minimum_active=certification.minimum_active_period,
    )
