import pytest

from pingan.workdays.recompute import register_deadline_recomputer, unregister_deadline_recomputer


@pytest.fixture
def recomputed():
    """A recomputer registered for the test; the list collects the years it was called with."""
    calls: list[int] = []

    def recompute(year: int) -> None:
        calls.append(year)

    register_deadline_recomputer(recompute)
    yield calls
    unregister_deadline_recomputer(recompute)
