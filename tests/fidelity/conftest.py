import pytest

from tests.factories.reporting_data import NOW


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    """Every fidelity test runs at ``NOW`` with the clock stopped."""
    time_machine.move_to(NOW, tick=False)
