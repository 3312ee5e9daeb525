"""Entering a year's schedule: validation, all-or-nothing, audit, recomputation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.workdays import services
from pingan.workdays.calendar import Deadline, add_working_days, year_table
from pingan.workdays.importing import CalendarDataError, parse_file
from pingan.workdays.models import SpecialDay, YearSchedule
from pingan.workdays.tasks import recompute_provisional_deadlines
from tests.factories import make_actor
from tests.workdays.factories import SCHEDULE_2027, bj, system_admin

pytestmark = pytest.mark.django_db
D = dt.date


def snapshot():
    return (
        list(YearSchedule.objects.order_by("year").values_list()),
        list(SpecialDay.objects.order_by("date").values_list("date", "kind", "name", "year")),
        AuditRecord.objects.count(),
    )


def import_2027(actor, text=SCHEDULE_2027):
    return services.calendar_year_import(actor=actor, year=2027, days=parse_file(text).rows)


def test_importing_2027_makes_deadlines_official_and_recomputes_once(
    recomputed, django_capture_on_commit_callbacks
):
    admin = system_admin()
    start = bj(2026, 12, 20, 9, 0)
    assert add_working_days(start, 15) == Deadline(bj(2027, 1, 11, 23, 59, 59), True, (2027,))
    # Under the rules alone 2027-02-05 (除夕) and 02-08 are the only Spring Festival days off.
    assert add_working_days(bj(2027, 2, 1), 5).due_at == bj(2027, 2, 10, 23, 59, 59)

    with django_capture_on_commit_callbacks(execute=True):
        result = import_2027(admin)

    assert result == services.ImportResult(2027, True, False, 27, 4)
    assert recomputed == [2027]
    schedule = YearSchedule.objects.get(year=2027)
    assert (schedule.status, schedule.source, schedule.entered_by) == (
        "official",
        "import",
        admin.user,
    )
    assert add_working_days(start, 15) == Deadline(bj(2027, 1, 11, 23, 59, 59), False, ())
    # The official schedule's 2/5–2/13 holiday now moves this deadline.
    assert add_working_days(bj(2027, 2, 1), 5) == Deadline(bj(2027, 2, 16, 23, 59, 59), False, ())
    record = AuditRecord.objects.get(action="calendar.year_import")
    assert (record.actor_id, record.object_id) == (admin.user.pk, "2027")
    assert record.detail["status_before"] == "none"
    assert "2027-02-20 workday 春节" in record.detail["added"]

    # The same file again: nothing changes, nobody is recomputed, nothing audited.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = import_2027(admin)
    assert again.changed is False and callbacks == []
    assert recomputed == [2027]
    assert AuditRecord.objects.filter(action="calendar.year_import").count() == 1


def test_the_recompute_task_calls_every_recomputer_and_is_repeatable(recomputed):
    assert recompute_provisional_deadlines.call_local(2027) >= 1
    assert recompute_provisional_deadlines.call_local(2027) >= 1
    assert recomputed == [2027, 2027]


def test_a_failing_recomputer_does_not_stop_the_others(recomputed):
    from pingan.workdays.recompute import (
        register_deadline_recomputer,
        unregister_deadline_recomputer,
    )

    def broken(year):
        raise RuntimeError("boom")

    register_deadline_recomputer(broken)
    register_deadline_recomputer(broken)  # registering twice has no effect
    try:
        with pytest.raises(RuntimeError, match="boom"):
            recompute_provisional_deadlines.call_local(2027)
    finally:
        unregister_deadline_recomputer(broken)
    assert recomputed == [2027]


def test_validation_errors_are_row_level_and_change_nothing(recomputed):
    before = snapshot()
    bad = """date,kind,name
2027-01-01,holiday,元旦
2026-12-31,holiday,元旦
2027-01-04,workday,元旦
2027-13-01,holiday,元旦
2027-01-02,rest,元旦
2027-01-03,holiday,
2027-01-01,holiday,元旦
2027-02-20,workday,春节
2027-02-20,holiday,春节
"""
    with pytest.raises(CalendarDataError) as exc:
        import_2027(system_admin(), bad)
    assert [str(e) for e in exc.value.errors] == [
        "第 3 行：日期 2026-12-31 不属于 2027 年",
        "第 4 行：调休上班日必须是周六或周日，2027-01-04 是星期一",
        "第 5 行：日期“2027-13-01”无法识别，应为 YYYY-MM-DD",
        "第 6 行：类型“rest”无效，应为 holiday（休）或 workday（调休上班）",
        "第 7 行：缺少名称（如“国庆节”）",
        "第 8 行：日期 2027-01-01 与第 2 行重复",
        "第 10 行：日期 2027-02-20 已在第 9 行列为调休上班日，不能同时为休息日",
    ]
    assert snapshot() == before
    assert recomputed == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件：没有任何日期：请列出该年的全部放假日和调休上班日"),
        (
            "date,kind\n2027-01-01,holiday\n",
            "第 1 行：表头应包含 date,kind,name（或 日期,类型,名称）",
        ),
        ("2027-01-01,holiday\n", "第 1 行：应为 3 列：日期,类型,名称"),
        ('[{"date": "2027-01-01", "kind": "休"}, 3]', "第 2 条：应为包含 date、kind、name 的对象"),
        ('{"days": [', "第 1 行：JSON 格式错误：Expecting value"),
    ],
)
def test_malformed_files(text, message):
    with pytest.raises(CalendarDataError) as exc:
        import_2027(system_admin(), text)
    assert str(exc.value.errors[0]) == message


def test_json_chinese_kinds_and_gbk_csv_are_accepted():
    parsed = parse_file(
        '{"year": 2027, "days": [{"date": "2027/1/1", "kind": "休", "name": "元旦"},'
        ' {"date": "2027-02-20", "kind": "班", "name": "春节"}]}'
    )
    assert parsed.year_hint == 2027
    result = services.calendar_year_import(actor=None, year=2027, days=parsed.rows)
    assert (result.holidays, result.workdays) == (1, 1)
    gbk = "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n".encode("gb18030")
    result = services.calendar_year_import(actor=None, year=2027, days=parse_file(gbk).rows)
    assert (result.changed, result.holidays, result.workdays) == (True, 2, 0)
    assert AuditRecord.objects.filter(action="calendar.year_import").first().actor_username == "cli"


def test_only_system_admins_may_enter_a_schedule():
    before = snapshot()
    operator = make_actor(Role.COUNTY_OPERATOR)
    for call in (
        lambda: import_2027(operator),
        lambda: services.calendar_day_set(
            actor=operator, day=D(2027, 1, 1), kind="holiday", name="元旦"
        ),
        lambda: services.calendar_year_confirm(actor=operator, year=2027),
    ):
        with pytest.raises(PermissionDenied):
            call()
    denials = AuditRecord.objects.filter(action="permission.denied", outcome="denied")
    assert denials.count() == 3
    assert denials.first().detail == {"reason": "not_system_admin", "role": "county_operator"}
    assert snapshot()[:2] == before[:2]


def test_editing_a_day_of_a_year_without_data_keeps_it_provisional_until_confirmed(
    recomputed, django_capture_on_commit_callbacks
):
    admin = system_admin()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.calendar_day_set(
            actor=admin, day=D(2027, 1, 2), kind="holiday", name="元旦"
        )
    table = year_table(2027)
    assert (table.status, table.source) == ("provisional", "admin")
    # The rule-based days were kept and the edit added.
    assert table.holidays[D(2027, 1, 1)] == "元旦" and table.holidays[D(2027, 1, 2)] == "元旦"
    assert len(table.holidays) == 14
    assert add_working_days(bj(2026, 12, 31), 1).provisional is True

    with django_capture_on_commit_callbacks(execute=True):
        assert services.calendar_day_set(
            actor=admin, day=D(2027, 2, 20), kind="workday", name="春节"
        )
        assert services.calendar_day_clear(actor=admin, day=D(2027, 5, 2))
        assert not services.calendar_day_clear(actor=admin, day=D(2027, 5, 3))
        assert not services.calendar_day_set(
            actor=admin, day=D(2027, 2, 20), kind="班", name="春节"
        )
    with pytest.raises(CalendarDataError, match="必须是周六或周日"):
        services.calendar_day_set(actor=admin, day=D(2027, 2, 22), kind="workday", name="春节")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.calendar_year_confirm(actor=admin, year=2027)
        assert not services.calendar_year_confirm(actor=admin, year=2027)
    assert add_working_days(bj(2026, 12, 31), 1) == Deadline(bj(2027, 1, 4, 23, 59, 59), False)
    assert year_table(2027).workdays == {D(2027, 2, 20): "春节"}
    assert D(2027, 5, 2) not in year_table(2027).holidays
    assert recomputed == [2027] * 4  # one per change: set, set, clear, confirm
    actions = list(
        AuditRecord.objects.filter(object_type="calendar_year")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "calendar.day_set",
        "calendar.day_set",
        "calendar.day_clear",
        "calendar.year_confirm",
    ]


def test_confirming_a_year_never_entered_is_refused():
    with pytest.raises(CalendarDataError, match="2030 年尚无录入的安排"):
        services.calendar_year_confirm(actor=system_admin(), year=2030)


def test_seed_is_idempotent_and_never_overwrites_admin_years(
    recomputed, django_capture_on_commit_callbacks
):
    result = services.calendar_seed()
    assert (result.created, result.updated, len(result.unchanged)) == ([], [], 23)
    # An admin corrects 2026; a lost 2025 is restored from the library.
    services.calendar_day_set(actor=None, day=D(2026, 12, 31), kind="holiday", name="测试")
    SpecialDay.objects.filter(year=2025).delete()
    YearSchedule.objects.filter(year=2025).delete()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.calendar_seed()
    assert (result.created, result.updated, result.skipped) == ([2025], [], [2026])
    assert SpecialDay.objects.filter(year=2025).count() == 33
    assert SpecialDay.objects.get(date=D(2026, 12, 31)).name == "测试"
    assert recomputed == [2025]
    assert services.calendar_seed().created == []


def test_export_round_trips_through_import():
    admin = system_admin()
    text = services.calendar_year_export(actor=admin, year=2025)
    assert text.splitlines()[:3] == [
        "date,kind,name",
        "2025-01-01,holiday,元旦",
        "2025-01-26,workday,春节",
    ]
    assert AuditRecord.objects.filter(action="calendar.export", object_id="2025").count() == 1
    result = services.calendar_year_import(actor=admin, year=2025, days=parse_file(text).rows)
    assert result.changed is False
