"""Two people acting at once on PostgreSQL (real row locks, separate connections)."""

import importlib
import threading

import pytest
from django.apps import apps as django_apps
from django.db import connection, connections

from pingan.accounts.roles import Role
from pingan.events.services import event_report
from pingan.flow.errors import CaseConflict
from pingan.flow.models import Case, CaseAction, CaseNumberCounter
from pingan.flow.services import case_act
from pingan.regions.lookup import reset_grid_index
from tests.factories import make_actor
from tests.flow.factories import IN_G1, TOWN, act, build_world, report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
    ),
]


@pytest.fixture(autouse=True)
def _seeded():
    """Transactional tests start from flushed tables: seed the event categories and limits
    again with the data migration's own function."""
    migration = importlib.import_module("pingan.events.migrations.0002_seed_categories_and_limits")
    migration.seed(django_apps, None)
    yield
    reset_grid_index()


def run_together(*jobs):
    """Run the callables in threads released at the same moment; collect results/errors."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_handlers_at_once_one_wins():
    w = build_world()
    case = act(w.town, act(w.village, report(w.grid_worker), "escalate"), "accept")
    colleague = make_actor(Role.TOWN_OPERATOR, TOWN)
    seen_a, seen_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results = run_together(
        lambda: case_act(actor=w.town, case=seen_a, action="dispatch", department=w.police_code),
        lambda: case_act(actor=colleague, case=seen_b, action="dispatch", department=w.sifa_code),
    )
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, CaseConflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    final = Case.objects.get(pk=case.pk)
    assert final.holder_code == winners[0].holder_code
    assert final.version == seen_a.version + 1
    assert CaseAction.objects.filter(case=case, action="dispatch").count() == 1


def test_same_idempotency_key_at_once_gives_one_event():
    w = build_world()
    data = {
        "category": "0204",
        "description": "离线补发",
        "lng": IN_G1[0],
        "lat": IN_G1[1],
        "idempotency_key": "offline-42",
    }
    results = run_together(
        lambda: event_report(actor=w.grid_worker, **data),
        lambda: event_report(actor=w.grid_worker, **data),
    )
    assert sorted(created for _, created in results) == [False, True], results
    assert results[0][0].number == results[1][0].number
    assert Case.objects.count() == 1


def test_concurrent_reports_get_distinct_consecutive_numbers():
    w = build_world()
    results = run_together(
        *[(lambda i=i: report(w.grid_worker, description=f"事件{i}")) for i in range(6)]
    )
    numbers = sorted(case.number for case in results)
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003", "00004", "00005", "00006"]
    assert CaseNumberCounter.objects.get().last == 6
