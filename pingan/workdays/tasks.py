"""Background work for the calendar (Huey; enqueued on commit by `services.py`)."""

from huey.contrib.djhuey import db_task

from pingan.workdays import calendar
from pingan.workdays.recompute import run_recomputers


@db_task(retries=3, retry_delay=60)
def recompute_provisional_deadlines(year: int) -> int:
    """Recompute open deadlines that depend on `year` after its schedule changed.

    Runs in the task consumer, whose calendar cache may predate the change: it is dropped
    first so the recomputers see the committed schedule. Idempotent.
    """
    calendar.reset_cache()
    return run_recomputers(year)
