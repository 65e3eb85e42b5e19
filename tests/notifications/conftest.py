import datetime as dt

import pytest

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    return NOW
