"""Registry of callables that recompute open deadlines when a year's calendar changes.

The case engine registers one at start-up (`AppConfig.ready`); the calendar calls them through
the `recompute_provisional_deadlines` task after a year's schedule is entered or edited, so
deadlines computed as provisional become final. A recomputer receives the year and must be
idempotent: the task may run again after a failure or when a year is edited twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Recomputer = Callable[[int], object]
_recomputers: list[Recomputer] = []


def register_deadline_recomputer(func: Recomputer) -> Recomputer:
    """Register `func(year)`; registering the same callable twice has no effect.

    Returns `func`, so it also works as a decorator.
    """
    if func not in _recomputers:
        _recomputers.append(func)
    return func


def unregister_deadline_recomputer(func: Recomputer) -> None:
    """Remove `func` if registered (tests and reloads)."""
    if func in _recomputers:
        _recomputers.remove(func)


def registered_recomputers() -> tuple[Recomputer, ...]:
    return tuple(_recomputers)


def run_recomputers(year: int) -> int:
    """Call every recomputer with `year`; returns how many ran.

    One failing recomputer does not stop the others; the first error is re-raised at the end
    so the task queue records the failure and retries (recomputers are idempotent).
    """
    first_error: Exception | None = None
    for func in registered_recomputers():
        try:
            func(year)
        except Exception as exc:  # keep going: one module's bug must not block the rest
            logger.exception("deadline recomputer %r failed for %s", func, year)
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    return len(_recomputers)
