import pytest
from huey.contrib.djhuey import HUEY

from pingan.workdays import calendar
from pingan.workdays.recompute import register_deadline_recomputer, unregister_deadline_recomputer


@pytest.fixture(autouse=True)
def _immediate_tasks():
    """Run Huey tasks inline. The djhuey instance is built at import time, so the HUEY
    setting in tests/conftest.py does not reach it; flip the instance itself."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The calendar caches per process; each test starts from its own database state."""
    calendar.reset_cache()
    yield
    calendar.reset_cache()


@pytest.fixture
def recomputed():
    """A recomputer registered for the test; the list collects the years it was called with."""
    calls: list[int] = []

    def recompute(year: int) -> None:
        calls.append(year)

    register_deadline_recomputer(recompute)
    yield calls
    unregister_deadline_recomputer(recompute)
